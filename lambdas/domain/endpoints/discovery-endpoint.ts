/**
 * The discovery endpoint: RFC 8414 authorization server metadata at
 * `/.well-known/oauth-authorization-server` and (the same document, OpenID Connect Discovery 1.0 §4)
 * `/.well-known/openid-configuration`, and the RFC 7517 §5 JWK Set at `/.well-known/jwks.json`.
 * The document claims only what is served (docs/contract.md, Discovery): with the revocation (RFC 7009)
 * and introspection (RFC 7662) endpoints, their URLs and client authentication methods.
 * Public keys come from a {@link KeySource} that caches them per cold start; they are never fetched
 * per request. The Lambda handler and the local server both answer through this endpoint.
 */
import { DependencyUnavailableError, describeError } from '../errors';
import { SUPPORTED_AUTH_METHODS, SUPPORTED_GRANT_TYPES } from '../grants/registry';
import type { HttpRequest, HttpResponse } from '../http';
import { jsonResponse } from '../http';
import type { KeySource, Logger, SigningAlgorithm } from '../ports';
import { OIDC_SCOPES, SUPPORTED_USER_CLAIMS } from '../people/oidc-claims';
import { CLIENT_AUTH_METHODS, SECRET_AUTH_METHODS } from '../client-auth/methods';
import {
  AUTHORIZE_PATH,
  INTROSPECTION_PATH,
  JWKS_PATH,
  LOGOUT_PATH,
  METADATA_PATHS,
  REVOCATION_PATH,
  TOKEN_PATH,
  USERINFO_PATH,
} from './paths';

/** What the metadata document is built from. */
export interface MetadataConfig {
  issuer: string;
  signingAlgorithms: SigningAlgorithm[];
}

/** What the discovery endpoint is built with. */
export interface DiscoveryDeps extends MetadataConfig {
  keySource: KeySource;
  logger: Logger;
}

/** Metadata changes only with a deployment; keys are cached for less than a rotation's overlap. */
const METADATA_CACHE = 'public, max-age=3600';
const JWKS_CACHE = 'public, max-age=300';

/**
 * Claims the ID token and userinfo can carry (OIDC Discovery §3 `claims_supported`): the ID token's
 * registered ones (OIDC Core §2) and the user claims (OIDC Core §5.1) the scopes release.
 */
export const CLAIMS_SUPPORTED: readonly string[] = [
  ...new Set(['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'auth_time', 'nonce', 'sid', ...SUPPORTED_USER_CLAIMS]),
];

/**
 * RFC 8414 §2 / OpenID Connect Discovery 1.0 §3 metadata for this server; the grants and client
 * authentication methods are the registered ones (grants/registry.ts).
 */
export function authorizationServerMetadata(config: MetadataConfig): Record<string, unknown> {
  const { issuer } = config;
  return {
    issuer,
    authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    userinfo_endpoint: `${issuer}${USERINFO_PATH}`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    // OIDC RP-Initiated Logout 1.0 §2.1.
    end_session_endpoint: `${issuer}${LOGOUT_PATH}`,
    // The OIDC scopes only: API scopes are per client and API, not for discovery.
    scopes_supported: [...OIDC_SCOPES],
    // RFC 6749 §4.1 only; results as query parameters (RFC 9207 iss included).
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...SUPPORTED_GRANT_TYPES],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: config.signingAlgorithms,
    token_endpoint_auth_methods_supported: [...SUPPORTED_AUTH_METHODS],
    claims_supported: [...CLAIMS_SUPPORTED],
    // RFC 7636 §4.2: S256 only, required of every client.
    code_challenge_methods_supported: ['S256'],
    // RFC 9207 §3.
    authorization_response_iss_parameter_supported: true,
    // RFC 9068 access tokens are signed with these (informative, mirrors the JWKS).
    access_token_signing_alg_values_supported: config.signingAlgorithms,
    // RFC 8414 §2 / RFC 7009: every client, public ones with their client_id (revocation-endpoint.ts).
    revocation_endpoint: `${issuer}${REVOCATION_PATH}`,
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    // RFC 8414 §2 / RFC 7662 §2.1: confidential clients only (introspection-endpoint.ts).
    introspection_endpoint: `${issuer}${INTROSPECTION_PATH}`,
    introspection_endpoint_auth_methods_supported: [...SECRET_AUTH_METHODS],
  };
}

/** The discovery endpoint; the metadata document is serialized once, at construction. */
export class DiscoveryEndpoint {
  private readonly metadata: string;

  constructor(private readonly deps: DiscoveryDeps) {
    this.metadata = JSON.stringify(authorizationServerMetadata(deps));
  }

  /** Answers one discovery request; never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    // RFC 9110 §15.5.6: 405 names the methods the resource supports.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return jsonResponse(405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' });
    }
    if (METADATA_PATHS.includes(req.path)) {
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': METADATA_CACHE },
        body: this.metadata,
      };
    }
    if (req.path === JWKS_PATH) return this.jwks();
    return jsonResponse(404, { error: 'not_found' });
  }

  private async jwks(): Promise<HttpResponse> {
    try {
      const keys = await this.deps.keySource.publicJwks();
      // RFC 7517 §5: a JWK Set.
      return jsonResponse(200, { keys }, { 'Cache-Control': JWKS_CACHE }, 'application/jwk-set+json');
    } catch (err) {
      const unavailable = err instanceof DependencyUnavailableError;
      // A transient failure is a warning naming the dependency (docs/architecture.md, Style rules, 2);
      // anything else an error.
      if (unavailable) {
        this.deps.logger.warn('JWKS unavailable', {
          dependency: err.dependency,
          throttled: err.throttled,
          cause: describeError(err.cause),
        });
      } else this.deps.logger.error('JWKS unavailable', { error: describeError(err) });
      return jsonResponse(
        unavailable ? 503 : 500,
        { error: unavailable ? 'temporarily_unavailable' : 'server_error' },
        unavailable ? { 'Retry-After': '1', 'Cache-Control': 'no-store' } : { 'Cache-Control': 'no-store' },
      );
    }
  }
}
