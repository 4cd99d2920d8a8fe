/**
 * The two-step signing-key rotation (README, "Rotating the signing key") at runtime, with two keys of
 * the KMS-protocol fake (A: RSA_2048 / RS256, B: ECC_NIST_P256 / ES256) and each phase "deployed" as the
 * CDK stack deploys it: the discovery handler composed from its environment (`composeDiscoveryDeps`:
 * `IDP_PUBLISHED_KEY_ARNS` / `IDP_PUBLISHED_KEY_ALGS`, the real KMS client pointed at the fake), the
 * token handler signing with `IDP_SIGNING_KEY_ARN` through the real `KmsTokenSigner` (its client store
 * in memory). test/infra/stages.test.ts checks that the CDK sets exactly these variables per phase.
 *
 * Verifiers are the shipped authorizers' core (lambdas/client/verify), each holding the JWKS of the
 * phase it was created in and fetching from the current deployment, with a fetch counter. Every token
 * that has not expired verifies with every verifier in every phase — no moment when a valid token
 * fails — and an emergency removal makes the removed key's tokens fail.
 *
 * One clock for everything: jest's fake `Date` (timers stay real: the KMS fake is a loopback server).
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { KmsTokenSigner } from '../../lambdas/adapters/kms-token-signer';
import { JwtAccessTokenVerifier } from '../../lambdas/client/verify/jwt-access-token-verifier';
import type { HttpApiEvent, HttpApiHandler } from '../../lambdas/handlers/api-gateway';
import { composeDiscoveryDeps } from '../../lambdas/handlers/compose/discovery';
import { makeHandler as makeDiscoveryHandler } from '../../lambdas/handlers/discovery-handler';
import { makeHandler as makeTokenHandler } from '../../lambdas/handlers/token-handler';
import type { SigningAlgorithm } from '../../lambdas/domain/ports';
import {
  FIXED_NOW,
  ISSUER,
  ORDERS_API,
  ORDERS_SCOPES,
  basicAuth,
  buildTokenEndpoint,
  makeApi,
  makeClient,
  randomSecret,
  ruleFor,
} from '../support/in-memory';
import type { TokenHarness } from '../support/in-memory';
import { startKmsFake } from '../support/kms-fake';
import type { KmsFake } from '../support/kms-fake';

/** 30 days: the default `retiredKeyRetention` (the longest access-token lifetime). */
const RETENTION_SECONDS = 30 * 24 * 3600;

let kms: KmsFake;
let harness: TokenHarness;
const keys = {} as Record<'A' | 'B', { arn: string; kid: string; alg: SigningAlgorithm }>;
const savedEnv = { ...process.env };

/** What the CDK sets per phase (the expectations of test/infra/stages.test.ts, by key). */
interface Deployment {
  signs: 'A' | 'B';
  published: ('A' | 'B')[];
}

interface Deployed {
  token: HttpApiHandler;
  discovery: HttpApiHandler;
}

let current: Deployed;

/** Deploys a phase: new function environments, so new cold starts of both handlers. */
async function deploy(deployment: Deployment): Promise<Deployed> {
  const active = keys[deployment.signs];
  Object.assign(process.env, {
    IDP_ISSUER: ISSUER,
    IDP_SIGNING_KEY_ARN: active.arn,
    IDP_SIGNING_ALG: active.alg,
    IDP_PUBLISHED_KEY_ARNS: deployment.published.map((k) => keys[k].arn).join(','),
    IDP_PUBLISHED_KEY_ALGS: deployment.published.map((k) => keys[k].alg).join(','),
  });
  const discovery = makeDiscoveryHandler(await composeDiscoveryDeps());
  const token = makeTokenHandler({
    ...harness.deps,
    clock: { now: () => Date.now() },
    // As composeTokenDeps builds it from the token function's environment.
    signer: new KmsTokenSigner({
      client: kms.client,
      keyId: process.env['IDP_SIGNING_KEY_ARN']!,
      alg: process.env['IDP_SIGNING_ALG'] as SigningAlgorithm,
    }),
  });
  current = { token, discovery };
  return current;
}

function event(method: string, rawPath: string, headers: Record<string, string>, body?: string): HttpApiEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body }),
    requestContext: { http: { method, path: rawPath } },
  } as unknown as HttpApiEvent;
}

async function jwks(deployed: Deployed = current): Promise<{ keys: Record<string, unknown>[] }> {
  const res = await deployed.discovery(event('GET', '/.well-known/jwks.json', {}));
  expect(res.statusCode).toBe(200);
  expect(res.headers?.['Cache-Control']).toBe('public, max-age=300');
  return JSON.parse(String(res.body)) as { keys: Record<string, unknown>[] };
}

/** A client whose secret does not expire (the fixtures' secrets expire after a day; phase 3 is a month on). */
const CLIENT = { clientId: 'rotation-client', secret: randomSecret() };

async function issue(): Promise<string> {
  const { clientId, secret } = CLIENT;
  const res = await current.token(
    event(
      'POST',
      '/oauth2/token',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, secret) },
      new URLSearchParams({ grant_type: 'client_credentials', audience: ORDERS_API }).toString(),
    ),
  );
  expect(res.statusCode).toBe(200);
  return (JSON.parse(String(res.body)) as { access_token: string }).access_token;
}

/** A shipped-authorizer verifier holding the given JWKS, fetching from whatever is deployed now. */
function verifierHolding(jwksNow: { keys: Record<string, unknown>[] }, jwksMaxAgeSeconds?: number) {
  const counter = { fetches: 0 };
  const verifier = new JwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: ORDERS_API,
    subject: 'client',
    jwks: jwksNow,
    ...(jwksMaxAgeSeconds === undefined ? {} : { jwksMaxAgeSeconds }),
    fetchJwks: async () => {
      counter.fetches += 1;
      return jwks();
    },
  });
  return Object.assign(verifier, { counter });
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const advanceSeconds = (seconds: number) => jest.setSystemTime(Date.now() + seconds * 1000);

beforeAll(async () => {
  jest.useFakeTimers({
    now: FIXED_NOW,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  kms = await startKmsFake();
  const a = kms.createKey('RSA_2048');
  const b = kms.createKey('ECC_NIST_P256');
  keys.A = { arn: kms.arnOf(a), kid: a, alg: 'RS256' };
  keys.B = { arn: kms.arnOf(b), kid: b, alg: 'ES256' };
  harness = await buildTokenEndpoint();
  harness.store.seedClient({
    client: makeClient(CLIENT.clientId),
    secrets: [
      {
        secretId: 'sec-rotation',
        hash: harness.hasher.hash(CLIENT.secret),
        createdAt: new Date(FIXED_NOW).toISOString(),
      },
    ],
    rules: [ruleFor(makeApi(ORDERS_API, ORDERS_SCOPES), ORDERS_SCOPES)],
  });
  // The discovery function's KMS client, built by compose, reaches the fake through the SDK's own settings.
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'fake',
    AWS_SECRET_ACCESS_KEY: 'fake',
    AWS_ENDPOINT_URL_KMS: kms.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  jest.useRealTimers();
  process.env = savedEnv;
  await kms?.close();
});

describe('rotation A → B in two deploys', () => {
  it('no valid token fails in any phase; A tokens have expired by the time A is removed', async () => {
    // Phase 0: A active.
    await deploy({ signs: 'A', published: ['A'] });
    const jwks0 = await jwks();
    expect(jwks0.keys.map((k) => [k['kid'], k['alg'], k['use']])).toEqual([[keys.A.kid, 'RS256', 'sig']]);
    const a0 = await issue();
    expect(decodeProtectedHeader(a0)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: keys.A.kid });
    const v0 = verifierHolding(jwks0);
    // One that never refreshes by age (as a verifier outside this project might): unknown kids only.
    const v0never = verifierHolding(jwks0, 365 * 24 * 3600);
    await expect(v0.verify(a0)).resolves.toBeDefined();
    await expect(v0never.verify(a0)).resolves.toBeDefined();

    // Phase 1: A active, B next: published, signs nothing.
    advanceSeconds(600);
    const getPublicKeyBefore = kms.calls.GetPublicKey;
    await deploy({ signs: 'A', published: ['A', 'B'] });
    const jwks1 = await jwks();
    for (let i = 0; i < 5; i++) await jwks(); // cached per cold start: one GetPublicKey per key
    expect(kms.calls.GetPublicKey - getPublicKeyBefore).toBe(2);
    expect(jwks1.keys.map((k) => [k['kid'], k['alg'], k['use'], k['kty']])).toEqual([
      [keys.A.kid, 'RS256', 'sig', 'RSA'],
      [keys.B.kid, 'ES256', 'sig', 'EC'],
    ]);
    const a1 = await issue();
    expect(kidOf(a1)).toBe(keys.A.kid);
    const v1 = verifierHolding(jwks1);
    for (const token of [a0, a1]) {
      await expect(v0never.verify(token)).resolves.toBeDefined(); // phase-0 cache still verifies A
      await expect(v0.verify(token)).resolves.toBeDefined();
      await expect(v1.verify(token)).resolves.toBeDefined();
    }
    // v0's cached JWKS was 600 s old: the max-age refresh (which brought it B); the others fetched nothing.
    expect([v0never.counter.fetches, v0.counter.fetches, v1.counter.fetches]).toEqual([0, 1, 0]);
    // The phase-1 JWKS as an authorizer holds it when phase 2 is deployed (fetched within its max-age).
    advanceSeconds(599);
    const v1late = verifierHolding(await jwks());

    // Phase 2: B active, A retired (published for the tokens it signed).
    advanceSeconds(1);
    await deploy({ signs: 'B', published: ['B', 'A'] });
    const jwks2 = await jwks();
    expect(jwks2.keys.map((k) => k['kid'])).toEqual([keys.B.kid, keys.A.kid]);
    const b2 = await issue();
    expect(decodeProtectedHeader(b2)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: keys.B.kid });
    // A verifier holding phase 1's JWKS verifies B's tokens without a fetch.
    await expect(v1late.verify(b2)).resolves.toHaveProperty('clientId', CLIENT.clientId);
    for (const token of [a0, a1, b2]) await expect(v1late.verify(token)).resolves.toBeDefined();
    expect(v1late.counter.fetches).toBe(0);
    // Old A tokens still verify, everywhere.
    const v2 = verifierHolding(jwks2);
    for (const verifier of [v1, v2, verifierHolding(jwks2)]) {
      for (const token of [a0, a1, b2]) await expect(verifier.verify(token)).resolves.toBeDefined();
    }
    // Even a verifier that still holds phase 0's JWKS (it never saw B) verifies B after one refetch.
    await expect(v0never.verify(b2)).resolves.toBeDefined();
    for (const token of [a0, a1, b2]) await expect(v0never.verify(token)).resolves.toBeDefined();
    expect(v0never.counter.fetches).toBe(1);
    for (const token of [a0, a1, b2]) await expect(v0.verify(token)).resolves.toBeDefined();

    // Phase 3: A removed once the retention has passed since it stopped signing.
    advanceSeconds(RETENTION_SECONDS);
    for (const token of [a0, a1]) expect(decodeJwt(token).exp! * 1000).toBeLessThanOrEqual(Date.now());
    await deploy({ signs: 'B', published: ['B'] });
    const jwks3 = await jwks();
    expect(jwks3.keys.map((k) => k['kid'])).toEqual([keys.B.kid]);
    const b3 = await issue();
    expect(kidOf(b3)).toBe(keys.B.kid);
    for (const verifier of [v0never, v0, v1, v1late, v2, verifierHolding(jwks3)]) {
      await expect(verifier.verify(b3)).resolves.toBeDefined();
      for (const token of [a0, a1, b2]) await expect(verifier.verify(token)).rejects.toThrow(/expired|unknown key/);
    }
  });
});

describe('emergency removal of a compromised key', () => {
  it('removed from the config → the JWKS drops it at once; its tokens fail at fresh verifiers, and at warm ones after the JWKS max-age', async () => {
    jest.setSystemTime(FIXED_NOW);
    await deploy({ signs: 'B', published: ['B', 'A'] });
    const warm = verifierHolding(await jwks());
    const compromised = await issue(); // signed by B
    await expect(warm.verify(compromised)).resolves.toBeDefined();

    // B is compromised: A (or a fresh key) becomes active, B leaves the config; one deploy.
    await deploy({ signs: 'A', published: ['A'] });
    expect((await jwks()).keys.map((k) => k['kid'])).toEqual([keys.A.kid]);
    const fresh = verifierHolding(await jwks());
    await expect(fresh.verify(compromised)).rejects.toThrow('the access token was signed with an unknown key');
    const replacement = await issue();
    await expect(fresh.verify(replacement)).resolves.toBeDefined();

    // A warm verifier that cached B keeps trusting it until its cached JWKS is 300 s old, not longer.
    advanceSeconds(299);
    await expect(warm.verify(compromised)).resolves.toBeDefined();
    advanceSeconds(1);
    await expect(warm.verify(compromised)).rejects.toThrow('the access token was signed with an unknown key');
    await expect(warm.verify(replacement)).resolves.toBeDefined();
  });
});
