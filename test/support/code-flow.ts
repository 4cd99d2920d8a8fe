/**
 * What the authorization code tests share: people fixtures (users, a public and a confidential
 * code-flow client with user rules), codes created straight in the code repository — the seam the
 * authorize and sign-in pages fill in production — and token requests that redeem them. The PKCE pair
 * is RFC 7636 Appendix B's.
 */
import { randomBytes } from 'node:crypto';
import { codeDigest } from '../../lambdas/domain/grants/authorization-code-grant';
import type { HttpRequest } from '../../lambdas/domain/http';
import type { ClientSecret, Rule } from '../../lambdas/domain/model';
import type { AuthorizationCode, StoredUser } from '../../lambdas/domain/people/model';
import type { AuthorizationCodeRepository } from '../../lambdas/domain/people/ports';
import type { InMemoryPeopleTable } from './in-memory-people';
import type { InMemoryTokenTable } from './in-memory';
import {
  FIXED_NOW,
  ORDERS_API,
  ORDERS_SCOPES,
  ORDERS_TTL,
  basicAuth,
  makeClient,
  randomSecret,
  tokenRequest,
} from './in-memory';
import type { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';

/** RFC 7636 Appendix B: the verifier and its S256 challenge. */
export const RFC7636_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const RFC7636_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

export const REDIRECT_URI = 'https://app.example.com/callback';
export const SESSION_ID = 'sid-1';
/** The sign-in time of the codes: five minutes before the fixed clock. */
export const AUTH_TIME = Math.floor(FIXED_NOW / 1000) - 300;

export const ALICE: StoredUser = {
  userId: 'u-alice',
  username: 'alice',
  email: 'alice@example.com',
  name: 'Alice Liddell',
  status: 'enabled',
  createdAt: new Date(FIXED_NOW - 86_400_000).toISOString(),
  updatedAt: new Date(FIXED_NOW - 86_400_000).toISOString(),
  version: 1,
  failedSignIns: 0,
};

/** The code-flow fixture clients. */
export interface CodeFixtures {
  /** `none` (public), `authorization_code` only, user rule on orders with a static claim. */
  spa: { clientId: string };
  /** `client_secret_basic`, `authorization_code` + `refresh_token`, the same user rule. */
  web: { clientId: string; secret: string };
  /** `client_secret_post`, `authorization_code`, user rule on orders. */
  webPost: { clientId: string; secret: string };
}

/** A user rule on the orders API (ORDERS_TTL snapshot), as the admin API would keep it. */
export function userRule(scopes: string[] = ORDERS_SCOPES, extra: Partial<Rule> = {}): Rule {
  return {
    audience: ORDERS_API,
    scopes,
    claims: { tenant: 'acme', sid: 'rule-cannot-set-this' },
    apiAccessTokenTtl: ORDERS_TTL,
    subjectType: 'user',
    createdAt: new Date(FIXED_NOW - 3_600_000).toISOString(),
    ...extra,
  };
}

/** Seeds the code-flow clients into the token table and Alice into the people table. */
export function seedCodeFixtures(
  store: InMemoryTokenTable,
  people: InMemoryPeopleTable,
  hasher: HmacSecretHasher,
): CodeFixtures {
  const secret = (secretId: string, value: string): ClientSecret => ({
    secretId,
    hash: hasher.hash(value),
    createdAt: new Date(FIXED_NOW - 86_400_000).toISOString(),
  });
  const web = { clientId: 'web-app', secret: randomSecret() };
  const webPost = { clientId: 'web-post', secret: randomSecret() };
  store.seedClient({
    client: makeClient('spa', {
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [REDIRECT_URI],
    }),
    secrets: [],
    rules: [userRule()],
  });
  store.seedClient({
    client: makeClient(web.clientId, {
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: [REDIRECT_URI],
    }),
    secrets: [secret('sec-web', web.secret)],
    rules: [userRule()],
  });
  store.seedClient({
    client: makeClient(webPost.clientId, {
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'client_secret_post',
      redirectUris: [REDIRECT_URI],
    }),
    secrets: [secret('sec-web-post', webPost.secret)],
    rules: [userRule(['orders:read'])],
  });
  people.users.set(ALICE.userId, structuredClone(ALICE));
  people.usernames.set(ALICE.username, ALICE.userId);
  return { spa: { clientId: 'spa' }, web, webPost };
}

/** A new random code value (256-bit, base64url, as the pages make them). */
export function newCodeValue(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Creates a code for `clientId` through the repository — the seam the sign-in page uses — bound to
 * the RFC 7636 Appendix B challenge, Alice, orders + openid, a nonce and 60 s of life from `nowMs`.
 * Returns the code value.
 */
export async function createCode(
  codes: Pick<AuthorizationCodeRepository, 'createCode'>,
  clientId: string,
  nowMs: number,
  extra: Partial<AuthorizationCode> = {},
): Promise<string> {
  const value = newCodeValue();
  await codes.createCode({
    digest: codeDigest(value),
    clientId,
    redirectUri: REDIRECT_URI,
    codeChallenge: RFC7636_CHALLENGE,
    userId: ALICE.userId,
    // The claims snapshot the sign-in page takes (authorization-flow.ts userSnapshot).
    user: { userId: ALICE.userId, username: ALICE.username, name: ALICE.name!, email: ALICE.email! },
    scopes: ['openid', 'profile', 'email', 'orders:read'],
    audience: ORDERS_API,
    nonce: 'n-0S6_WzA2Mj',
    authTime: AUTH_TIME,
    sessionId: SESSION_ID,
    createdAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + 60_000).toISOString(),
    ...extra,
  });
  return value;
}

/** How a code-exchange request authenticates its client. */
export type CodeAuth =
  | { method: 'none'; clientId: string }
  | { method: 'basic'; clientId: string; secret: string }
  | { method: 'post'; clientId: string; secret: string };

/** A `grant_type=authorization_code` token request; `params` replace or (value undefined) drop the defaults. */
export function codeRequest(
  auth: CodeAuth,
  code: string,
  params: Record<string, string | undefined> = {},
): HttpRequest {
  const form: Record<string, string | undefined> = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: RFC7636_VERIFIER,
    ...(auth.method === 'basic' ? {} : { client_id: auth.clientId }),
    ...(auth.method === 'post' ? { client_secret: auth.secret } : {}),
    ...params,
  };
  const pairs = Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined);
  return tokenRequest({
    form: pairs,
    ...(auth.method === 'basic' ? { authorization: basicAuth(auth.clientId, auth.secret) } : {}),
  });
}
