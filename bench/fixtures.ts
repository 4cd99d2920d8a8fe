/**
 * What every bench target serves: one API (resource server) with two scopes and one confidential
 * client using `client_secret_basic`, and the one request shape sent to both our server and the peer:
 * `POST /oauth2/token`, form body `grant_type=client_credentials&resource=…&scope=…` (RFC 6749 §4.4.2,
 * RFC 8707 §2.1), credentials in the Basic header (RFC 6749 §2.3.1).
 */
import { createHash, randomBytes } from 'node:crypto';
import { codeDigest } from '../lambdas/domain/grants/authorization-code-grant';
import type { AuthorizationCodeRepository, RefreshSessionRepository } from '../lambdas/domain/people/ports';
import { newRefreshSessionId, newRefreshToken } from '../lambdas/domain/people/refresh-tokens';
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

/* ---------------------------------------------------------------- code exchange (authorization_code) */

/** The one redirect URI the code-flow client registers on both servers (https: no loopback rules apply). */
export const CODE_REDIRECT_URI = 'https://app.bench.example/callback';
/** RFC 7636 Appendix B's verifier; every prepared code is bound to its S256 challenge. */
export const CODE_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER, 'ascii').digest('base64url');
/** `openid` + the API's scopes: both servers issue an access token AND an ID token (two signatures). */
export const CODE_SCOPE = `openid ${SCOPE}`;
/** The prepared codes' lifetime, seconds: the contract's 60 s, as node-oidc-provider's default. */
export const CODE_LIFETIME_SECONDS = 60;
export const CODE_NONCE = 'n-bench';
/** The seeded user's name; the password is generated per run. */
export const CODE_USERNAME = 'bench.user';

/**
 * The code-exchange request (RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2) of a public client, the
 * same on both servers: `client_id` in the body, no secret, the resource the code was granted for.
 */
export function codeRequestBody(clientId: string, code: string): string {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CODE_REDIRECT_URI,
    code_verifier: CODE_VERIFIER,
    client_id: clientId,
    resource: RESOURCE,
  }).toString();
}

/** Headers of the code-exchange request (no Authorization: a public client). */
export function codeRequestHeaders(): Record<string, string> {
  return { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
}

/** What {@link seedBenchCodeFlow} registered. */
export interface BenchCodeFlow {
  clientId: string;
  userId: string;
  username: string;
  password: string;
}

/**
 * Registers the bench API, a public code-flow client (`none`, `authorization_code`, the bench redirect
 * URI, a user rule for the API's scopes) and one enabled user whose password is hashed by the local
 * IdP's own KDF (production parameters: one ~0.3 s hash at start), straight in the repositories.
 */
export async function seedBenchCodeFlow(
  idp: Pick<LocalIdp, 'repositories' | 'passwordKdf'>,
  options: { refreshTokens?: boolean } = {},
): Promise<BenchCodeFlow> {
  await seedApi(idp.repositories, {
    identifier: RESOURCE,
    name: 'Orders (bench)',
    scopes: [...SCOPES],
    accessTokenTtl: TOKEN_TTL,
  });
  const now = new Date().toISOString();
  const clientId = `bench-spa-${randomBytes(6).toString('hex')}`;
  await idp.repositories.clients.createClient({
    client: {
      clientId,
      name: 'bench code-flow client',
      status: 'enabled',
      grantTypes: options.refreshTokens === true ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [CODE_REDIRECT_URI],
      createdAt: now,
      updatedAt: now,
      version: 1,
    },
    secrets: [],
    rules: [
      { audience: RESOURCE, scopes: [...SCOPES], apiAccessTokenTtl: TOKEN_TTL, subjectType: 'user', createdAt: now },
    ],
  });
  const password = randomBytes(18).toString('base64url');
  const userId = `u-${randomBytes(6).toString('hex')}`;
  await idp.repositories.users.createUser({
    userId,
    username: CODE_USERNAME,
    name: 'Bench User',
    status: 'enabled',
    createdAt: now,
    updatedAt: now,
    version: 1,
    failedSignIns: 0,
    password: await idp.passwordKdf.hash(password),
  });
  return { clientId, userId, username: CODE_USERNAME, password };
}

/** Codes created concurrently while preparing: bounds the in-flight PutItems on dynalite. */
const PREPARE_CONCURRENCY = 32;
/** Upper bound of one preparation (the bench asks for far fewer). */
export const MAX_PREPARED_CODES = 200_000;

/**
 * Creates `count` codes through the code repository — the seam the sign-in page writes to after a
 * user signs in (one conditional PutItem each) — for the bench client and user, bound to the bench
 * redirect URI, {@link CODE_CHALLENGE}, {@link CODE_SCOPE}, the API and a nonce, valid
 * {@link CODE_LIFETIME_SECONDS} from now. Returns the code values in creation order (oldest first).
 */
export async function createBenchCodes(
  codes: Pick<AuthorizationCodeRepository, 'createCode'>,
  flow: Pick<BenchCodeFlow, 'clientId' | 'userId'> & Partial<Pick<BenchCodeFlow, 'username'>>,
  count: number,
): Promise<string[]> {
  if (!Number.isInteger(count) || count < 0 || count > MAX_PREPARED_CODES) throw new Error(`bad count ${count}`);
  const values: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const value = randomBytes(32).toString('base64url');
      const nowMs = Date.now();
      await codes.createCode({
        digest: codeDigest(value),
        clientId: flow.clientId,
        redirectUri: CODE_REDIRECT_URI,
        codeChallenge: CODE_CHALLENGE,
        userId: flow.userId,
        // The claims snapshot the sign-in page takes (authorization-flow.ts userSnapshot): no user read.
        ...(flow.username === undefined
          ? {}
          : { user: { userId: flow.userId, username: flow.username, name: 'Bench User' } }),
        scopes: CODE_SCOPE.split(' '),
        audience: RESOURCE,
        nonce: CODE_NONCE,
        authTime: Math.floor(nowMs / 1000),
        sessionId: 'bench-session',
        createdAt: new Date(nowMs).toISOString(),
        expiresAt: new Date(nowMs + CODE_LIFETIME_SECONDS * 1000).toISOString(),
      });
      values[i] = value;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PREPARE_CONCURRENCY, count) }, worker));
  return values;
}

/**
 * Creates `count` refresh-token sessions through the session repository — what a code exchange of a
 * client with `refresh_token` writes — for the bench client and user, with {@link CODE_SCOPE} on the API,
 * 30 days of life. Returns the refresh tokens (each to be used once).
 */
export async function createBenchRefreshTokens(
  sessions: Pick<RefreshSessionRepository, 'createSession'>,
  flow: Pick<BenchCodeFlow, 'clientId' | 'userId' | 'username'>,
  count: number,
): Promise<string[]> {
  if (!Number.isInteger(count) || count < 0 || count > MAX_PREPARED_CODES) throw new Error(`bad count ${count}`);
  const values: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const nowMs = Date.now();
      const at = new Date(nowMs).toISOString();
      const sessionId = newRefreshSessionId();
      const first = newRefreshToken(sessionId);
      await sessions.createSession({
        sessionId,
        userId: flow.userId,
        user: { userId: flow.userId, username: flow.username, name: 'Bench User' },
        clientId: flow.clientId,
        scopes: CODE_SCOPE.split(' '),
        audience: RESOURCE,
        authTime: Math.floor(nowMs / 1000),
        createdAt: at,
        lastUsedAt: at,
        expiresAt: new Date(nowMs + 30 * 86_400_000).toISOString(),
        currentDigest: first.digest,
        consumedDigests: [],
      });
      values[i] = first.token;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PREPARE_CONCURRENCY, count) }, worker));
  return values;
}

/** The refresh request both servers receive (public client: `client_id`, the resource of RFC 8707). */
export function refreshRequestBody(clientId: string, refreshToken: string): string {
  return new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
    resource: RESOURCE,
  }).toString();
}
