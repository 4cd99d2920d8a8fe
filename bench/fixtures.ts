/**
 * What every bench target serves: one API (resource server) with two scopes and one confidential
 * client using `client_secret_basic`, and the one request shape sent to both our server and the peer:
 * `POST /oauth2/token`, form body `grant_type=client_credentials&resource=…&scope=…` (RFC 6749 §4.4.2,
 * RFC 8707 §2.1), credentials in the Basic header (RFC 6749 §2.3.1).
 */
import type { LocalIdp } from '../lambdas/local/local-idp';
import { seedApi, seedClient } from '../lambdas/local/local-seed';
import { randomIds } from '../lambdas/adapters/random-ids';
import type { HttpApiEvent } from '../lambdas/handlers/api-gateway';

/** The API identifier (`aud`), also the RFC 8707 resource indicator the peer is asked for. */
export const RESOURCE = 'https://orders.bench.example';
export const SCOPES = ['orders:read', 'orders:write'] as const;
export const SCOPE = SCOPES.join(' ');
export const TOKEN_PATH = '/oauth2/token';
/** Access-token lifetime on both servers, seconds. */
export const TOKEN_TTL = 3600;

export interface ClientCredentialsFixture {
  clientId: string;
  clientSecret: string;
}

/** RFC 6749 §2.3.1: id and secret form-encoded, joined by a colon, Base64. */
export function basicAuthorization({ clientId, clientSecret }: ClientCredentialsFixture): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** The form body every target receives. */
export function tokenRequestBody(): string {
  return new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, scope: SCOPE }).toString();
}

/** Headers of the token request (same for both servers). */
export function tokenRequestHeaders(credentials: ClientCredentialsFixture): Record<string, string> {
  return {
    authorization: basicAuthorization(credentials),
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
}

/** The same request as an API Gateway HTTP API v2 event, for the handler-level runs. */
export function tokenRequestEvent(credentials: ClientCredentialsFixture): HttpApiEvent {
  return {
    rawPath: TOKEN_PATH,
    rawQueryString: '',
    headers: tokenRequestHeaders(credentials),
    body: tokenRequestBody(),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
  };
}

/**
 * Registers the bench API and a client straight in the repositories (what the admin API does over HTTP),
 * with the rule's snapshot of the API's TTL as the admin API keeps it.
 */
export async function seedBenchClient(
  idp: Pick<LocalIdp, 'repositories' | 'tokenDeps'>,
  options: { tokenReuse?: boolean; createApi?: boolean } = {},
): Promise<ClientCredentialsFixture> {
  if (options.createApi ?? true) {
    await seedApi(idp.repositories, {
      identifier: RESOURCE,
      name: 'Orders (bench)',
      scopes: [...SCOPES],
      accessTokenTtl: TOKEN_TTL,
    });
  }
  return seedClient(
    { ...idp.repositories, hasher: idp.tokenDeps.hasher, ids: randomIds },
    {
      name: 'bench client',
      rules: [{ audience: RESOURCE, scopes: [...SCOPES] }],
      ...(options.tokenReuse === true ? { tokenReuse: true } : {}),
    },
  );
}
