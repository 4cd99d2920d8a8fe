/**
 * A harness for the hosted pages (authorize, sign-in, consent, logout, set-password) over in-memory
 * fakes: the sign-in handler's `makeHandler` with clients and APIs in an {@link InMemoryTokenTable},
 * every people port from in-memory-people.ts, the fast {@link TestKdf}, a {@link FakeClock} and
 * deterministic handles (so two runs of the same steps answer byte for byte the same). A browser-like
 * cookie jar, form helpers and readers of the pages' hidden fields.
 */
import { createHash } from 'node:crypto';
import type { HttpApiResult } from '../../lambdas/handlers/api-gateway';
import { makeHandler } from '../../lambdas/handlers/sign-in-handler';
import type { Api, Client, Rule } from '../../lambdas/domain/model';
import type { StoredUser, UserGrant } from '../../lambdas/domain/people/model';
import type { HostedPagesDeps } from '../../lambdas/domain/people/hosted-pages-deps';
import {
  CapturingLogger,
  FakeClock,
  FIXED_NOW,
  InMemoryClients,
  InMemoryTokenTable,
  SequentialIds,
  makeApi,
  makeClient,
} from './in-memory';
import { inMemoryPeople } from './in-memory-people';
import { TestKdf } from './test-kdf';

export const PAGES_ISSUER = 'https://idp.example.com';
export const APP_CALLBACK = 'https://app.example.com/callback';
export const APP_CALLBACK_WITH_QUERY = 'https://app.example.com/callback?tenant=acme';
export const LOOPBACK_CALLBACK = 'http://127.0.0.1/callback';
export const APP_SIGNED_OUT = 'https://app.example.com/signed-out';
export const PHOTOS_API = 'https://photos.example.com';
export const PHOTOS_SCOPES = ['photos:read', 'photos:write'];
/** An API whose `userAccess` is `granted`. */
export const ADMIN_LIKE_API = 'https://idp.example.com/admin';
export const ADMIN_LIKE_SCOPES = ['admin:read', 'admin:write'];
export const ALICE_PASSWORD = 'correct horse battery staple';
/** A valid S256 challenge (RFC 7636 Appendix B). */
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

/** A user rule on `api`, with the API's userAccess snapshot. */
export function userRule(api: Api, scopes: string[]): Rule {
  return {
    audience: api.identifier,
    scopes,
    subjectType: 'user',
    ...(api.userAccess === undefined ? {} : { apiUserAccess: api.userAccess }),
    createdAt: new Date(FIXED_NOW - 3_600_000).toISOString(),
  };
}

/** A stored user. */
export function makeUser(userId: string, username: string, extra: Partial<StoredUser> = {}): StoredUser {
  const at = new Date(FIXED_NOW - 86_400_000).toISOString();
  return {
    userId,
    username,
    name: `${username} example`,
    email: `${username}@example.com`,
    status: 'enabled',
    createdAt: at,
    updatedAt: at,
    version: 1,
    failedSignIns: 0,
    ...extra,
  };
}

/** Deterministic 43-character handles: `AAAA…1`, `AAAA…2`, … */
export function sequentialHandles(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return String(n).padStart(43, 'A');
  };
}

/** Cookies as a browser keeps them for one origin (name → value; `Max-Age=0` deletes). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(setCookies: readonly string[] | undefined): void {
    for (const line of setCookies ?? []) {
      const [pair = '', ...attributes] = line.split(/;\s*/);
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (attributes.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** The values of the hidden fields of a page's form. */
export function hiddenFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)) {
    fields[match[1]!] = match[2]!;
  }
  return fields;
}

export interface PagesHarness {
  deps: HostedPagesDeps;
  store: InMemoryTokenTable;
  people: ReturnType<typeof inMemoryPeople>;
  kdf: TestKdf;
  clock: FakeClock;
  logger: CapturingLogger;
  jar: CookieJar;
  /** One request through the handler (the jar's cookies sent and updated unless `jar: false`). */
  send(
    method: string,
    pathAndQuery: string,
    init?: {
      form?: Record<string, string>;
      rawBody?: string;
      cookie?: string | null;
      headers?: Record<string, string>;
    },
  ): Promise<HttpApiResult>;
  /** `GET /oauth2/authorize` with the default parameters, overridden by `params` (`undefined` drops one). */
  authorize(params?: Record<string, string | undefined>, cookie?: string | null): Promise<HttpApiResult>;
  /** Posts the sign-in form of `page` with these credentials. */
  signIn(page: HttpApiResult, username: string, password: string): Promise<HttpApiResult>;
  seedUser(user: StoredUser, password?: string, grants?: UserGrant[]): void;
}

/** The default authorization request of the `web` client. */
export function authorizeParams(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'web',
    redirect_uri: APP_CALLBACK,
    scope: 'openid profile photos:read',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  return query;
}

/**
 * The harness: clients `web` (public, user rules on photos and the admin-like API), `consenting`
 * (requireConsent), `m2m` (client credentials only), `disabled`, `no-user-rule`; user `alice`.
 */
export function pagesHarness(
  options: { issuer?: string; displayName?: string; clients?: { client: Client; rules: Rule[] }[] } = {},
): PagesHarness {
  const issuer = options.issuer ?? PAGES_ISSUER;
  const store = new InMemoryTokenTable();
  const photos = makeApi(PHOTOS_API, PHOTOS_SCOPES);
  const adminLike = makeApi(ADMIN_LIKE_API, ADMIN_LIKE_SCOPES, { userAccess: 'granted', name: 'Admin API' });
  store.seedApi(photos);
  store.seedApi(adminLike);
  const people = inMemoryPeople();
  const kdf = new TestKdf();
  const clock = new FakeClock();
  const logger = new CapturingLogger();
  const codeClient = (clientId: string, extra: Partial<Client> = {}): Client =>
    makeClient(clientId, {
      name: `The ${clientId} app`,
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [APP_CALLBACK, APP_CALLBACK_WITH_QUERY, LOOPBACK_CALLBACK],
      postLogoutRedirectUris: [APP_SIGNED_OUT],
      ...extra,
    });
  const rules = [userRule(photos, PHOTOS_SCOPES), userRule(adminLike, ADMIN_LIKE_SCOPES)];
  store.seedClient({ client: codeClient('web'), secrets: [], rules });
  store.seedClient({ client: codeClient('consenting', { requireConsent: true }), secrets: [], rules });
  store.seedClient({ client: codeClient('disabled', { status: 'disabled' }), secrets: [], rules });
  store.seedClient({ client: codeClient('m2m', { grantTypes: ['client_credentials'] }), secrets: [], rules });
  store.seedClient({
    client: codeClient('no-user-rule'),
    secrets: [],
    rules: [{ ...userRule(photos, PHOTOS_SCOPES), subjectType: 'client' }],
  });
  for (const extra of options.clients ?? [])
    store.seedClient({ client: extra.client, secrets: [], rules: extra.rules });

  const clients = new InMemoryClients(store);
  const deps: HostedPagesDeps = {
    clients,
    apis: { getApi: async (identifier) => structuredClone(store.apis.get(identifier)) },
    users: people.users,
    setups: people.setups,
    signInSessions: people.signInSessions,
    requests: people.requests,
    codes: people.codes,
    sessions: people.sessions,
    consents: people.consents,
    kdf,
    clock,
    ids: new SequentialIds(),
    logger,
    newHandle: sequentialHandles(),
    config: { issuer, ...(options.displayName === undefined ? {} : { displayName: options.displayName }) },
  };
  const handler = makeHandler(deps);
  const jar = new CookieJar();

  const harness: PagesHarness = {
    deps,
    store,
    people,
    kdf,
    clock,
    logger,
    jar,
    async send(method, pathAndQuery, init = {}) {
      const [path = '', query = ''] = pathAndQuery.split(/\?(.*)/s);
      const cookie = init.cookie === undefined ? jar.header() : (init.cookie ?? undefined);
      const body = init.rawBody ?? (init.form === undefined ? undefined : new URLSearchParams(init.form).toString());
      const res = await handler({
        rawPath: path,
        rawQueryString: query,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          ...init.headers,
        },
        ...(cookie === undefined ? {} : { cookies: cookie.split('; ') }),
        body,
        isBase64Encoded: false,
        requestContext: { http: { method } },
      });
      if (init.cookie === undefined) jar.store(res.cookies);
      return res;
    },
    authorize(params = {}, cookie) {
      return harness.send('GET', `/oauth2/authorize?${authorizeParams(params).toString()}`, { cookie });
    },
    signIn(page, username, password) {
      const fields = hiddenFields(String(page.body));
      return harness.send('POST', '/oauth2/sign-in', { form: { ...fields, username, password } });
    },
    seedUser(user, password, grants = []) {
      people.users.table.users.set(user.userId, {
        ...user,
        ...(password === undefined ? {} : { password: kdf.hashSync(password) }),
      });
      people.users.table.usernames.set(user.username.toLowerCase(), user.userId);
      if (grants.length > 0) people.users.table.grants.set(user.userId, new Map(grants.map((g) => [g.audience, g])));
    },
  };
  harness.seedUser(makeUser('user-alice', 'alice'), ALICE_PASSWORD);
  return harness;
}

/** The query parameters of a redirect's Location (which must be on `base`). */
export function redirectParams(res: HttpApiResult, base: string = APP_CALLBACK): Record<string, string> {
  const location = String(res.headers?.['Location'] ?? '');
  if (!location.startsWith(`${base}?`)) throw new Error(`expected a redirect to ${base}, got ${location || '(none)'}`);
  return Object.fromEntries(new URL(location).searchParams);
}

/** The SHA-256 digest as the repositories key it. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
