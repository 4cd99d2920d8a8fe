/**
 * The discovery endpoint over in-memory fakes: the RFC 8414 metadata document byte for byte at both
 * well-known paths, the RFC 7517 §5 JWK Set with its cache headers, its 503 / 500 answers, 404, and
 * 405 with `Allow`.
 */
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { DiscoveryEndpoint } from '../../../lambdas/domain/endpoints/discovery-endpoint';
import type { HttpRequest } from '../../../lambdas/domain/http';
import type { KeySource, PublicJwk } from '../../../lambdas/domain/ports';
import { CapturingLogger, ISSUER } from '../../support/in-memory';

const KEY: PublicJwk = { kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig', n: 'AQAB', e: 'AQAB' };

function request(method: string, path: string): HttpRequest {
  return { method, path, headers: {}, rawQuery: '', body: new Uint8Array() };
}

function endpoint(keySource: KeySource, logger = new CapturingLogger()): DiscoveryEndpoint {
  return new DiscoveryEndpoint({ issuer: ISSUER, signingAlgorithms: ['RS256'], keySource, logger });
}

const keys: KeySource = { publicJwks: async () => [KEY] };

describe('discovery endpoint', () => {
  it('serves the same metadata document, byte for byte, at both well-known paths', async () => {
    // RFC 8414 §2 and OIDC Discovery §3, with the RFC 7009 and RFC 7662 endpoints and their methods.
    const expected =
      `{"issuer":"${ISSUER}","authorization_endpoint":"${ISSUER}/oauth2/authorize",` +
      `"token_endpoint":"${ISSUER}/oauth2/token","userinfo_endpoint":"${ISSUER}/oauth2/userinfo",` +
      `"jwks_uri":"${ISSUER}/.well-known/jwks.json","end_session_endpoint":"${ISSUER}/oauth2/logout",` +
      '"scopes_supported":["openid","profile","email"],"response_types_supported":["code"],' +
      '"response_modes_supported":["query"],"grant_types_supported":["authorization_code","client_credentials","refresh_token"],' +
      '"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],' +
      '"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],' +
      '"claims_supported":["iss","sub","aud","azp","exp","iat","auth_time","nonce","sid","name",' +
      '"preferred_username","email","email_verified"],"code_challenge_methods_supported":["S256"],' +
      '"authorization_response_iss_parameter_supported":true,"access_token_signing_alg_values_supported":["RS256"],' +
      `"revocation_endpoint":"${ISSUER}/oauth2/revoke",` +
      '"revocation_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],' +
      `"introspection_endpoint":"${ISSUER}/oauth2/introspect",` +
      '"introspection_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"]}';
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      for (const method of ['GET', 'HEAD']) {
        expect(await endpoint(keys).handle(request(method, path))).toEqual({
          status: 200,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' },
          body: expected,
        });
      }
    }
  });

  it('serves the JWK Set with a short public cache', async () => {
    expect(await endpoint(keys).handle(request('GET', '/.well-known/jwks.json'))).toEqual({
      status: 200,
      headers: { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'public, max-age=300' },
      body: JSON.stringify({ keys: [KEY] }),
    });
  });

  it('JWKS: an unavailable key source → 503 with Retry-After; anything else → 500; both logged', async () => {
    const logger = new CapturingLogger();
    const unavailable = endpoint(
      {
        publicJwks: async () => {
          throw new DependencyUnavailableError('signer');
        },
      },
      logger,
    );
    expect(await unavailable.handle(request('GET', '/.well-known/jwks.json'))).toEqual({
      status: 503,
      headers: { 'Content-Type': 'application/json', 'Retry-After': '1', 'Cache-Control': 'no-store' },
      body: '{"error":"temporarily_unavailable"}',
    });
    const broken = endpoint(
      {
        publicJwks: async () => {
          throw new Error('bug');
        },
      },
      logger,
    );
    expect(await broken.handle(request('GET', '/.well-known/jwks.json'))).toEqual({
      status: 500,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: '{"error":"server_error"}',
    });
    expect(logger.entries.map((e) => e.message)).toEqual(['JWKS unavailable', 'JWKS unavailable']);
  });

  it('another path → 404; another method → 405 with Allow', async () => {
    expect(await endpoint(keys).handle(request('GET', '/.well-known/other'))).toEqual({
      status: 404,
      headers: { 'Content-Type': 'application/json' },
      body: '{"error":"not_found"}',
    });
    expect(await endpoint(keys).handle(request('POST', '/.well-known/jwks.json'))).toEqual({
      status: 405,
      headers: { 'Content-Type': 'application/json', Allow: 'GET, HEAD' },
      body: '{"error":"method_not_allowed"}',
    });
  });
});
