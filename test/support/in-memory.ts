/**
 * In-memory fakes of the OAuth core's ports for unit tests, and a ready token endpoint over them:
 * - {@link InMemoryClients} and {@link InMemoryApis} over an {@link InMemoryTokenTable}
 *   (in-memory-repositories.ts, re-exported here);
 * - {@link FakeClock}, {@link SequentialIds} (deterministic), {@link CapturingLogger};
 * - {@link TestSigner}: node:crypto with a key generated per run (RS256 or ES256, raw R‖S), counting
 *   and failing on demand;
 * - {@link buildTokenEndpoint}: APIs, clients and rules seeded, the endpoint and every fake returned;
 * - request builders ({@link tokenRequest}, {@link basicAuth}, {@link rawBasicAuth}).
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { toLowS } from '../../lambdas/client/verify/ecdsa-p256';
import { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { HttpRequest, HttpResponse } from '../../lambdas/domain/http';
import type { Api, Client, ClientSecret, JsonValue, Rule } from '../../lambdas/domain/model';
import type {
  Clock,
  Logger,
  PublicJwk,
  RegistrationIds,
  SigningAlgorithm,
  TokenSigner,
} from '../../lambdas/domain/ports';
import { tokenPathReads } from '../../lambdas/domain/ports';
import { TokenEndpoint } from '../../lambdas/domain/endpoints/token-endpoint';
import type { TokenEndpointDeps, TokenOutcome } from '../../lambdas/domain/endpoints/token-endpoint';
import type { TokenReuseConfig } from '../../lambdas/domain/token-reuse';
import { inMemoryPeople, inMemoryPeopleTokenPath } from './in-memory-people';
import { InMemoryApis, InMemoryClients, InMemoryTokenTable, sdkCause } from './in-memory-repositories';
import type { FailureOptions } from './in-memory-repositories';

export { InMemoryApis, InMemoryClients, InMemoryTokenTable, STORE_METHODS } from './in-memory-repositories';
export type { FailureOptions, StoreMethod } from './in-memory-repositories';

// ---------------------------------------------------------------------------------------------------
// Clock, ids, logger
// ---------------------------------------------------------------------------------------------------

/** Fixed instant of the fixtures: 2026-11-23T10:00:00.000Z. */
export const FIXED_NOW = Date.parse('2026-11-23T10:00:00.000Z');

/** A clock that stands still until told otherwise. */
export class FakeClock implements Clock {
  constructor(private ms: number = FIXED_NOW) {}

  now(): number {
    return this.ms;
  }

  set(at: number | string): void {
    this.ms = typeof at === 'string' ? Date.parse(at) : at;
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }

  /** The current instant as ISO 8601. */
  iso(offsetSeconds = 0): string {
    return new Date(this.ms + offsetSeconds * 1000).toISOString();
  }
}

/** A new {@link FakeClock} at `at` (default {@link FIXED_NOW}). */
export function fakeClock(at: number | string = FIXED_NOW): FakeClock {
  return new FakeClock(typeof at === 'string' ? Date.parse(at) : at);
}

/** Deterministic identifiers: `jti-1`, `client-1`, `user-1`, `sec-1`, `event-1`, … per kind. */
export class SequentialIds implements RegistrationIds {
  private readonly counters = new Map<string, number>();

  private next(kind: string): number {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return n;
  }

  tokenId(): string {
    return `jti-${this.next('jti')}`;
  }

  clientId(): string {
    return `client-${this.next('client')}`;
  }

  userId(): string {
    return `user-${this.next('user')}`;
  }

  secretId(): string {
    return `sec-${this.next('secret')}`;
  }

  /** Same shape as the real secrets (`sidp_` + 43 base64url characters), deterministic per call. */
  clientSecret(): string {
    const n = this.next('clientSecret');
    return `sidp_${createHash('sha256').update(`secret-${n}`).digest('base64url')}`;
  }

  eventId(): string {
    return `event-${this.next('event')}`;
  }

  /** How many ids of a kind were handed out (`jti`, `client`, `secret`, `clientSecret`, `event`). */
  issued(kind: string): number {
    return this.counters.get(kind) ?? 0;
  }
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps every entry. */
export class CapturingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  info(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, fields });
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, fields });
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, fields });
  }

  /** Everything logged, as one string (to search for leaked secrets). */
  text(): string {
    return JSON.stringify(this.entries);
  }
}

// ---------------------------------------------------------------------------------------------------
// Signer
// ---------------------------------------------------------------------------------------------------

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const keyPairs = new Map<SigningAlgorithm, KeyPair>();

/** One key pair per algorithm per test run (never a key from the repository). */
function runKeyPair(alg: SigningAlgorithm): KeyPair {
  let pair = keyPairs.get(alg);
  if (pair === undefined) {
    pair =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keyPairs.set(alg, pair);
  }
  return pair;
}

/**
 * A {@link TokenSigner} on node:crypto: RS256 (RFC 7518 §3.3) or ES256 as raw R‖S, 64 bytes
 * (RFC 7518 §3.4, `dsaEncoding: 'ieee-p1363'`) in low-s form like our signers. Counts calls; can fail like the KMS adapter does.
 */
export class TestSigner implements TokenSigner {
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
  /** sign() calls, failed ones included. */
  signCalls = 0;
  private readonly planned: (() => unknown)[] = [];
  private readonly privateKey: KeyObject;

  constructor(readonly alg: SigningAlgorithm = 'RS256') {
    const pair = runKeyPair(alg);
    this.privateKey = pair.privateKey;
    this.publicKey = createPublicKey(pair.privateKey);
    const jwk = this.publicKey.export({ format: 'jwk' });
    // RFC 7638 §3.2 thumbprint as the kid.
    const members =
      jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
    this.kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
    this.publicJwk =
      alg === 'RS256'
        ? { kty: 'RSA', kid: this.kid, alg, use: 'sig', n: jwk.n, e: jwk.e }
        : { kty: 'EC', kid: this.kid, alg, use: 'sig', crv: 'P-256', x: jwk.x, y: jwk.y };
  }

  /** The next `count` sign() calls fail as the KMS adapter reports a throttled or failing KMS. */
  failNext(count: number, options: Omit<FailureOptions<never>, 'only'> = {}): void {
    const throttled = options.throttled ?? false;
    for (let i = 0; i < count; i += 1) {
      this.planned.push(
        () =>
          new DependencyUnavailableError(
            'signer',
            throttled
              ? sdkCause('ThrottlingException', 'Rate exceeded')
              : sdkCause('KMSInternalException', 'The request was rejected because an internal exception occurred'),
            throttled,
          ),
      );
    }
  }

  /** The next sign() throws `error` as is. */
  throwNext(error: unknown): void {
    this.planned.push(() => error);
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    this.signCalls += 1;
    const failure = this.planned.shift();
    if (failure !== undefined) throw failure();
    const signature = sign('sha256', signingInput, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return this.alg === 'ES256' ? toLowS(signature) : signature;
  }
}

// ---------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------

export const ISSUER = 'https://idp.example.com';
export const DEFAULT_TTL = 3600;

/** The main API of the fixtures. */
export const ORDERS_API = 'https://api.example.com';
export const ORDERS_SCOPES = ['orders:read', 'orders:write'];
export const ORDERS_TTL = 1800;
/** A second API, without its own TTL. */
export const INVENTORY_API = 'https://inventory.example.com';
export const INVENTORY_SCOPES = ['inventory:read', 'inventory:write'];

/** Static claims on the basic client's orders rule: two custom claims and attempts at reserved ones. */
export const ORDERS_RULE_CLAIMS: Record<string, JsonValue> = {
  tenant: 'acme',
  limits: { rpm: 600, regions: ['eu-west-1'] },
  iss: 'https://evil.example',
  sub: 'someone-else',
  aud: 'https://other.example',
  client_id: 'someone-else',
  scope: 'admin:write',
  exp: 4102444800,
  nbf: 0,
  iat: 0,
  jti: 'chosen',
};

export function makeApi(identifier: string, scopes: string[], extra: Partial<Api> = {}): Api {
  const at = new Date(FIXED_NOW - 86_400_000).toISOString();
  return {
    identifier,
    name: identifier,
    scopes: scopes.map((value) => ({ value, description: `${value} on ${identifier}` })),
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...extra,
  };
}

/** A rule on `api`, with the API's TTL and reuse flag snapshotted as the admin API keeps them. */
export function ruleFor(api: Api, scopes: string[], claims?: Record<string, JsonValue>): Rule {
  return {
    audience: api.identifier,
    scopes,
    ...(claims === undefined ? {} : { claims }),
    ...(api.accessTokenTtl === undefined ? {} : { apiAccessTokenTtl: api.accessTokenTtl }),
    ...(api.tokenReuse === undefined ? {} : { apiTokenReuse: api.tokenReuse }),
    createdAt: new Date(FIXED_NOW - 3_600_000).toISOString(),
  };
}

export function makeClient(clientId: string, extra: Partial<Client> = {}): Client {
  const at = new Date(FIXED_NOW - 86_400_000).toISOString();
  return {
    clientId,
    name: clientId,
    status: 'enabled',
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...extra,
  };
}

/** A per-run secret value, shaped like the real ones (base64url, `sidp_` prefix). */
export function randomSecret(): string {
  return `sidp_${randomBytes(32).toString('base64url')}`;
}

/** Credentials of one fixture client. */
export interface FixtureClient {
  clientId: string;
  secret: string;
}

/** The seeded clients. Secrets are generated per run. */
export interface Fixtures {
  /** client_secret_basic; rules on both APIs (orders with static claims); no own TTL. */
  basic: FixtureClient & { expiredSecret: string; expiredSecretId: string; secretId: string };
  /** client_secret_post; orders:read only; own TTL 600 s. */
  post: FixtureClient;
  /** Disabled, client_secret_basic, rule on orders. */
  disabled: FixtureClient;
  /** Id and secret with `:`, `+`, `%` and spaces (RFC 6749 §2.3.1 form-encoding in Basic). */
  special: FixtureClient;
  /** Plain id, secret containing `:` only (unchanged when sent raw: Basic splits at the first colon). */
  colon: FixtureClient;
  /** Registered for no grant type. */
  noGrant: FixtureClient;
}

export const POST_CLIENT_TTL = 600;

/** Seeds the fixture APIs and clients into `store`; returns the credentials. */
export function seedFixtures(store: InMemoryTokenTable, hasher: HmacSecretHasher): Fixtures {
  const orders = makeApi(ORDERS_API, ORDERS_SCOPES, { accessTokenTtl: ORDERS_TTL });
  const inventory = makeApi(INVENTORY_API, INVENTORY_SCOPES);
  store.seedApi(orders);
  store.seedApi(inventory);

  const secret = (secretId: string, value: string, extra: Partial<ClientSecret> = {}): ClientSecret => ({
    secretId,
    hash: hasher.hash(value),
    createdAt: new Date(FIXED_NOW - 86_400_000).toISOString(),
    ...extra,
  });

  const fixtures: Fixtures = {
    basic: {
      clientId: 'client-basic',
      secret: randomSecret(),
      secretId: 'sec-basic-current',
      expiredSecret: randomSecret(),
      expiredSecretId: 'sec-basic-expired',
    },
    post: { clientId: 'client-post', secret: randomSecret() },
    disabled: { clientId: 'client-disabled', secret: randomSecret() },
    special: { clientId: 'acme:eu+1 50%', secret: `${randomSecret()}:p+q %25 r` },
    colon: { clientId: 'client-colon', secret: `${randomSecret()}:with:colons` },
    noGrant: { clientId: 'client-no-grant', secret: randomSecret() },
  };

  store.seedClient({
    client: makeClient(fixtures.basic.clientId),
    secrets: [
      secret(fixtures.basic.secretId, fixtures.basic.secret, {
        expiresAt: new Date(FIXED_NOW + 86_400_000).toISOString(),
      }),
      secret(fixtures.basic.expiredSecretId, fixtures.basic.expiredSecret, {
        expiresAt: new Date(FIXED_NOW - 1000).toISOString(),
      }),
    ],
    rules: [ruleFor(orders, ORDERS_SCOPES, ORDERS_RULE_CLAIMS), ruleFor(inventory, INVENTORY_SCOPES)],
  });
  store.seedClient({
    client: makeClient(fixtures.post.clientId, {
      tokenEndpointAuthMethod: 'client_secret_post',
      accessTokenTtl: POST_CLIENT_TTL,
    }),
    secrets: [secret('sec-post', fixtures.post.secret)],
    rules: [ruleFor(orders, ['orders:read'])],
  });
  store.seedClient({
    client: makeClient(fixtures.disabled.clientId, { status: 'disabled' }),
    secrets: [secret('sec-disabled', fixtures.disabled.secret)],
    rules: [ruleFor(orders, ORDERS_SCOPES)],
  });
  store.seedClient({
    client: makeClient(fixtures.special.clientId),
    secrets: [secret('sec-special', fixtures.special.secret)],
    rules: [ruleFor(orders, ['orders:read'])],
  });
  store.seedClient({
    client: makeClient(fixtures.colon.clientId),
    secrets: [secret('sec-colon', fixtures.colon.secret)],
    rules: [ruleFor(orders, ['orders:read'])],
  });
  store.seedClient({
    client: makeClient(fixtures.noGrant.clientId, { grantTypes: [] }),
    secrets: [secret('sec-no-grant', fixtures.noGrant.secret)],
    rules: [ruleFor(orders, ORDERS_SCOPES)],
  });
  return fixtures;
}

export interface TokenEndpointOptions {
  alg?: SigningAlgorithm;
  issuer?: string;
  defaultAccessTokenTtl?: number;
  tokenReuse?: TokenReuseConfig;
  /** Seed the fixture APIs and clients (default true). */
  seed?: boolean;
  /** The people fakes the authorization code grant uses (default: new, empty ones). */
  people?: ReturnType<typeof inMemoryPeople>;
}

export interface TokenHarness {
  endpoint: TokenEndpoint;
  deps: TokenEndpointDeps;
  /** The state behind {@link clients} and {@link apis}: call counts, planned failures, seeding. */
  store: InMemoryTokenTable;
  clients: InMemoryClients;
  apis: InMemoryApis;
  signer: TestSigner;
  clock: FakeClock;
  ids: SequentialIds;
  logger: CapturingLogger;
  hasher: HmacSecretHasher;
  /** The people fakes behind the authorization code grant (users, codes, the deny-list). */
  people: ReturnType<typeof inMemoryPeople>;
  /** Outcomes reported to the endpoint's `observe` hook. */
  outcomes: TokenOutcome[];
  issuer: string;
  fixtures: Fixtures;
  /** Every response {@link send} returned, in order (for assertions that must hold on each one). */
  responses: HttpResponse[];
  /** `endpoint.handle(req)`, keeping the response in {@link responses}. */
  send(req: HttpRequest): Promise<HttpResponse>;
}

/** A token endpoint over in-memory fakes with the fixture APIs and clients (see {@link seedFixtures}). */
export async function buildTokenEndpoint(options: TokenEndpointOptions = {}): Promise<TokenHarness> {
  const store = new InMemoryTokenTable();
  const clients = new InMemoryClients(store);
  const apis = new InMemoryApis(store);
  const hasher = new HmacSecretHasher(randomBytes(32));
  const signer = new TestSigner(options.alg ?? 'RS256');
  const clock = fakeClock();
  const ids = new SequentialIds();
  const logger = new CapturingLogger();
  const outcomes: TokenOutcome[] = [];
  const issuer = options.issuer ?? ISSUER;
  const fixtures = options.seed === false ? ({} as Fixtures) : seedFixtures(store, hasher);
  const people = options.people ?? inMemoryPeople();
  const deps: TokenEndpointDeps = {
    store: tokenPathReads(clients, apis),
    people: inMemoryPeopleTokenPath(people),
    signer,
    clock,
    ids,
    hasher,
    logger,
    observe: (outcome) => outcomes.push(outcome),
    config: {
      issuer,
      defaultAccessTokenTtl: options.defaultAccessTokenTtl ?? DEFAULT_TTL,
      ...(options.tokenReuse === undefined ? {} : { tokenReuse: options.tokenReuse }),
    },
  };
  const endpoint = new TokenEndpoint(deps);
  const responses: HttpResponse[] = [];
  return {
    endpoint,
    deps,
    store,
    clients,
    apis,
    signer,
    clock,
    ids,
    logger,
    hasher,
    people,
    outcomes,
    issuer,
    fixtures,
    responses,
    async send(req) {
      const res = await endpoint.handle(req);
      responses.push(res);
      return res;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** application/x-www-form-urlencoded serialisation of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** `Basic` credentials as RFC 6749 §2.3.1 wants them: id and secret form-encoded, then base64. */
export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`, 'utf8').toString('base64')}`;
}

/** `Basic` credentials as a careless client sends them: RFC 7617 only, no form-encoding. */
export function rawBasicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64')}`;
}

export interface TokenRequestInit {
  /** Form parameters (order and repetition kept) or a ready form string. */
  form?: [string, string][] | Record<string, string> | string;
  /** A JSON body (serialised as is). */
  json?: unknown;
  /** Raw body bytes (overrides form/json). */
  body?: Uint8Array | string;
  /** Content-Type; defaults to the body kind; `null` sends none. */
  contentType?: string | null;
  authorization?: string;
  /** Raw query string without `?`. */
  query?: string;
  headers?: Record<string, string>;
}

/** A `POST /oauth2/token` request as the handlers hand it to the core. */
export function tokenRequest(init: TokenRequestInit = {}): HttpRequest {
  let body: Uint8Array;
  let defaultType: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
    defaultType = FORM;
  } else if (init.json !== undefined) {
    body = Buffer.from(JSON.stringify(init.json), 'utf8');
    defaultType = JSON_TYPE;
  } else {
    const form = init.form ?? '';
    const text = typeof form === 'string' ? form : new URLSearchParams(form).toString();
    body = Buffer.from(text, 'utf8');
    defaultType = FORM;
  }
  const headers: Record<string, string> = { ...init.headers };
  const contentType = init.contentType === undefined ? defaultType : init.contentType;
  if (contentType !== null && contentType !== undefined) headers['content-type'] = contentType;
  if (init.authorization !== undefined) headers['authorization'] = init.authorization;
  return { method: 'POST', path: '/oauth2/token', headers, rawQuery: init.query ?? '', body };
}

/** The parsed JSON body of a response. */
export function bodyOf(res: HttpResponse): Record<string, unknown> {
  return JSON.parse(res.body) as Record<string, unknown>;
}

/**
 * A fresh {@link TokenHarness} per test, with the check every token endpoint test shares: RFC 6749
 * §5.1 / §5.2 — every single response carries `Cache-Control: no-store` and `Pragma: no-cache`.
 */
export function useTokenHarness(options: TokenEndpointOptions = {}): {
  (): TokenHarness;
  /** Replaces this test's harness (other options); the no-store check then covers the new one. */
  rebuild(other: TokenEndpointOptions): Promise<TokenHarness>;
} {
  let harness: TokenHarness | undefined;
  beforeEach(async () => {
    harness = await buildTokenEndpoint(options);
  });
  afterEach(() => {
    const responses = harness?.responses ?? [];
    expect(responses.length).toBeGreaterThan(0);
    for (const res of responses) {
      expect(res.headers['Cache-Control']).toBe('no-store');
      expect(res.headers['Pragma']).toBe('no-cache');
    }
  });
  const current = () => {
    if (harness === undefined) throw new Error('useTokenHarness: no harness outside a test');
    return harness;
  };
  current.rebuild = async (other: TokenEndpointOptions) => {
    harness = await buildTokenEndpoint(other);
    return harness;
  };
  return current;
}
