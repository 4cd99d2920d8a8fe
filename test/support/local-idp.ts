/**
 * Test helpers around the local runtime: an in-memory IdP on an ephemeral loopback port, a client
 * registered straight in its repositories, and an aws-jwt-verify verifier fed with the served JWKS.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import type { Api } from '../../lambdas/domain/model';
import { seedApi, seedClient } from '../../lambdas/local/local-seed';
import type { SeedClientInput } from '../../lambdas/local/local-seed';
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

/** Registers an API directly in the repository (the admin API does this over HTTP). */
export function registerApi(
  idp: LocalIdp,
  identifier: string,
  scopes: string[],
  accessTokenTtl?: number,
): Promise<Api> {
  return seedApi(idp.repositories, { identifier, scopes, accessTokenTtl });
}

/** Registers a client with one secret and the given rules; returns its credentials. */
export function registerClient(
  idp: LocalIdp,
  options: Omit<SeedClientInput, 'name'>,
): Promise<{ clientId: string; clientSecret: string }> {
  return seedClient(
    { ...idp.repositories, hasher: idp.tokenDeps.hasher, ids: randomIds },
    {
      name: `test client ${options.clientId ?? ''}`.trim(),
      ...options,
    },
  );
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
