/**
 * Test helpers around the local runtime: an in-memory IdP on an ephemeral loopback port, a client
 * registered straight in its store, and an aws-jwt-verify verifier fed with the served JWKS.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import type { Api, Rule, TokenEndpointAuthMethod } from '../../lambdas/domain/model';
import { silentLogger } from '../../lambdas/domain/ports';
import type { LocalIdp, LocalIdpOptions } from '../../lambdas/local/local-idp';
import { startLocalIdp } from '../../lambdas/local/local-idp';
import type { LocalConfig } from '../../lambdas/local/local-config';
import { randomIds } from '../../lambdas/adapters/random-ids';

export async function startTestIdp(
  config: Partial<LocalConfig> = {},
  options: Partial<LocalIdpOptions> = {},
): Promise<LocalIdp> {
  return startLocalIdp(
    { port: 0, host: '127.0.0.1', alg: 'RS256', defaultAccessTokenTtl: 3600, ...config },
    { logger: silentLogger, ...options },
  );
}

/** Registers an API directly in the store (the admin API does this over HTTP). */
export async function registerApi(
  idp: LocalIdp,
  identifier: string,
  scopes: string[],
  accessTokenTtl?: number,
): Promise<Api> {
  const now = new Date().toISOString();
  const api: Api = {
    identifier,
    name: identifier,
    scopes: scopes.map((value) => ({ value })),
    accessTokenTtl,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await idp.store.createApi(api);
  return api;
}

/** Registers a client with one secret and the given rules; returns its credentials. */
export async function registerClient(
  idp: LocalIdp,
  options: {
    method?: TokenEndpointAuthMethod;
    rules: Omit<Rule, 'createdAt'>[];
    clientId?: string;
    clientSecret?: string;
    accessTokenTtl?: number;
  },
): Promise<{ clientId: string; clientSecret: string }> {
  const now = new Date().toISOString();
  // The admin API keeps each rule's snapshot of its API's TTL; seeding does the same.
  const rules: Rule[] = [];
  for (const rule of options.rules) {
    const api = await idp.store.getApi(rule.audience);
    rules.push({ ...rule, apiAccessTokenTtl: api?.accessTokenTtl, createdAt: now });
  }
  const clientId = options.clientId ?? randomIds.clientId();
  const clientSecret = options.clientSecret ?? randomIds.clientSecret();
  await idp.store.createClient({
    client: {
      clientId,
      name: `test client ${clientId}`,
      status: 'enabled',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: options.method ?? 'client_secret_basic',
      accessTokenTtl: options.accessTokenTtl,
      createdAt: now,
      updatedAt: now,
      version: 1,
    },
    secrets: [{ secretId: randomIds.secretId(), hash: idp.tokenDeps.hasher.hash(clientSecret), createdAt: now }],
    rules,
  });
  return { clientId, clientSecret };
}

/**
 * An aws-jwt-verify verifier for RFC 9068 access tokens of this issuer. The library's JWKS fetcher
 * speaks https only, so the JWKS is fetched from the local server here and cached into it.
 */
export async function accessTokenVerifier(idp: LocalIdp, audience: string) {
  const verifier = JwtVerifier.create({
    issuer: idp.issuer,
    audience,
    jwksUri: `${idp.issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ header, payload }) => {
      // RFC 9068 §4: the resource server MUST check typ.
      if (header.typ !== 'at+jwt') throw new Error(`typ must be at+jwt, got ${String(header.typ)}`);
      for (const claim of ['exp', 'iat', 'jti', 'client_id'] as const) {
        if (payload[claim] === undefined) throw new Error(`missing ${claim}`);
      }
    },
  });
  const jwks = (await (await fetch(`${idp.url}/.well-known/jwks.json`)).json()) as Parameters<
    typeof verifier.cacheJwks
  >[0];
  verifier.cacheJwks(jwks);
  return verifier;
}
