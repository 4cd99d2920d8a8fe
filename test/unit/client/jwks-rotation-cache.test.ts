/**
 * The verifier core's JWKS cache under key rotation (lambdas/client/verify/jwks-cache.ts), on a fake
 * clock with a counting in-process JWKS source: a token of a key that is new to the verifier verifies
 * after one refetch; a flood of unknown `kid`s costs at most one fetch per minute while known `kid`s
 * keep verifying; a cached JWKS is refreshed after its max-age (300 s), so a `next` key is learned
 * before it signs and a removed key stops verifying; a failed refresh keeps the cached keys.
 */
import { randomBytes } from 'node:crypto';
import type { PublicJwk } from '../../../lambdas/domain/ports';
import { silentLogger } from '../../../lambdas/domain/ports';
import { authorizeRequest } from '../../../lambdas/handlers/authorizer-handler';
import { composeAuthorizerDeps } from '../../../lambdas/handlers/compose/authorizer';
import {
  DEFAULT_JWKS_MAX_AGE_SECONDS,
  DEFAULT_PENALTY_SECONDS,
  JwtAccessTokenVerifier,
} from '../../../lambdas/client/verify/jwt-access-token-verifier';
import { AccessTokenRejectedError, JwksUnavailableError } from '../../../lambdas/client/verify/access-token-rules';
import { DEFAULT_JWKS_REFETCH_SECONDS, RotationAwareJwksCache } from '../../../lambdas/client/verify/jwks-cache';
import type { TestKey } from '../../support/token-forge';
import { forgeSigned, generateTestKey, projectClaims, projectToken } from '../../support/token-forge';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = `${ISSUER}/admin`;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');

let a: TestKey;
let b: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  [a, b, stranger] = await Promise.all([generateTestKey('RS256'), generateTestKey('ES256'), generateTestKey('RS256')]);
});

/** A fake clock, a JWKS the test changes, a fetch counter, and a verifier over them. */
function rig(initial: PublicJwk[], options: { preload?: PublicJwk[] } = {}) {
  const state = { now: T0, keys: initial, fetches: 0, fail: false };
  const verifier = new JwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: 'client',
    now: () => state.now,
    ...(options.preload === undefined ? {} : { jwks: { keys: options.preload } }),
    fetchJwks: () => {
      state.fetches += 1;
      return state.fail ? Promise.reject(new Error('connection refused')) : Promise.resolve({ keys: state.keys });
    },
  });
  const advance = (seconds: number) => (state.now += seconds * 1000);
  return { state, verifier, advance };
}

const token = (key: TestKey) => projectToken(key, { audience: AUDIENCE });
const unknownKidToken = () =>
  forgeSigned(
    stranger,
    { alg: 'RS256', typ: 'at+jwt', kid: randomBytes(12).toString('base64url') },
    projectClaims({ audience: AUDIENCE }),
  );
const UNKNOWN = 'the access token was signed with an unknown key';

describe('defaults', () => {
  it('refetch at most once a minute; refresh after the JWKS max-age of 300 s', () => {
    expect([DEFAULT_PENALTY_SECONDS, DEFAULT_JWKS_REFETCH_SECONDS, DEFAULT_JWKS_MAX_AGE_SECONDS]).toEqual([
      60, 60, 300,
    ]);
  });

  it('refuses a negative interval', () => {
    expect(() => new RotationAwareJwksCache({ fetchJwks: () => Promise.reject(), refetchIntervalSeconds: -1 })).toThrow(
      'refetchIntervalSeconds must be a number of seconds ≥ 0',
    );
  });
});

describe('an unknown kid', () => {
  it('a token of a key the preloaded JWKS lacks (next → active) verifies after exactly one refetch', async () => {
    const { state, verifier } = rig([a.publicJwk, b.publicJwk], { preload: [a.publicJwk] });
    await expect(verifier.verify(await token(a))).resolves.toHaveProperty('clientId', 'client-1');
    expect(state.fetches).toBe(0);
    await expect(verifier.verify(await token(b))).resolves.toHaveProperty('clientId', 'client-1');
    expect(state.fetches).toBe(1);
    for (const key of [a, b, a, b]) await expect(verifier.verify(await token(key))).resolves.toBeDefined();
    expect(state.fetches).toBe(1);
  });

  it('a flood of unknown kids costs at most one fetch per minute; known kids keep verifying throughout', async () => {
    const { state, verifier, advance } = rig([a.publicJwk]);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    expect(state.fetches).toBe(1);
    const valid = await token(a);
    // Ten minutes of one unknown kid per second, plus 200 at once at the start.
    const burst = await Promise.allSettled(Array.from({ length: 200 }, () => verifier.verify(unknownKidToken())));
    expect(burst.every((r) => r.status === 'rejected' && (r.reason as Error).message === UNKNOWN)).toBe(true);
    const fetchTimes: number[] = [];
    for (let second = 0; second < 600; second++) {
      const before = state.fetches;
      await expect(verifier.verify(unknownKidToken())).rejects.toThrow(UNKNOWN);
      if (state.fetches > before) fetchTimes.push(second);
      await expect(verifier.verify(valid)).resolves.toBeDefined();
      advance(1);
    }
    // One fetch per 60 s: 60 s after the first token's fetch at 0 s, and so on.
    expect(fetchTimes).toEqual([60, 120, 180, 240, 300, 360, 420, 480, 540]);
    for (let i = 1; i < fetchTimes.length; i++) expect(fetchTimes[i]! - fetchTimes[i - 1]!).toBeGreaterThanOrEqual(60);
    expect(state.fetches).toBe(1 + fetchTimes.length);
  });

  it('a new key within a minute of the last fetch waits for the interval (why the next state comes first), then verifies', async () => {
    const { state, verifier, advance } = rig([a.publicJwk]);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    state.keys = [b.publicJwk, a.publicJwk];
    advance(10);
    await expect(verifier.verify(await token(b))).rejects.toThrow(UNKNOWN);
    expect(state.fetches).toBe(1);
    advance(50);
    await expect(verifier.verify(await token(b))).resolves.toBeDefined();
    expect(state.fetches).toBe(2);
  });

  it('a JWKS endpoint that fails is fetched at most once a minute too', async () => {
    const { state, verifier, advance } = rig([a.publicJwk]);
    state.fail = true;
    await expect(verifier.verify(await token(a))).rejects.toBeInstanceOf(JwksUnavailableError);
    for (let i = 0; i < 59; i++) {
      await expect(verifier.verify(await token(a))).rejects.toThrow(UNKNOWN);
      advance(1);
    }
    expect(state.fetches).toBe(1);
    state.fail = false;
    advance(1);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    expect(state.fetches).toBe(2);
  });
});

describe('the JWKS max-age', () => {
  it('a next key published after the verifier cached the JWKS is learned by the refresh, before it signs', async () => {
    const { state, verifier, advance } = rig([a.publicJwk]);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    state.keys = [a.publicJwk, b.publicJwk]; // phase 1: B is next
    advance(DEFAULT_JWKS_MAX_AGE_SECONDS);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined(); // refreshes
    expect(state.fetches).toBe(2);
    advance(1); // phase 2 one second later: B signs; no fetch needed although the interval is not over
    await expect(verifier.verify(await token(b))).resolves.toBeDefined();
    expect(state.fetches).toBe(2);
  });

  it('a key removed from the JWKS (emergency removal) verifies until the max-age, then is refused', async () => {
    const { state, verifier, advance } = rig([a.publicJwk, b.publicJwk]);
    const compromised = await token(b);
    await expect(verifier.verify(compromised)).resolves.toBeDefined();
    state.keys = [a.publicJwk];
    advance(DEFAULT_JWKS_MAX_AGE_SECONDS - 1);
    await expect(verifier.verify(compromised)).resolves.toBeDefined();
    advance(1);
    await expect(verifier.verify(compromised)).rejects.toThrow(new AccessTokenRejectedError(UNKNOWN));
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    expect(state.fetches).toBe(2);
  });

  it('a preloaded JWKS ages from when it was cached', async () => {
    const { state, verifier, advance } = rig([a.publicJwk], { preload: [a.publicJwk, b.publicJwk] });
    advance(DEFAULT_JWKS_MAX_AGE_SECONDS - 1);
    await expect(verifier.verify(await token(b))).resolves.toBeDefined();
    expect(state.fetches).toBe(0);
    advance(1);
    await expect(verifier.verify(await token(b))).rejects.toThrow(UNKNOWN);
    expect(state.fetches).toBe(1);
  });

  it('a failed refresh keeps the cached keys (stale-if-error) and is retried after the interval', async () => {
    const { state, verifier, advance } = rig([a.publicJwk]);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    state.fail = true;
    advance(DEFAULT_JWKS_MAX_AGE_SECONDS);
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    expect(state.fetches).toBe(2);
    advance(DEFAULT_PENALTY_SECONDS);
    state.fail = false;
    await expect(verifier.verify(await token(a))).resolves.toBeDefined();
    expect(state.fetches).toBe(3);
  });
});

describe('the shipped authorizer', () => {
  const env = (extra: Record<string, string> = {}) => ({
    IDP_ISSUER: ISSUER,
    IDP_AUDIENCE: AUDIENCE,
    IDP_ROUTE_SCOPES: '{"*": []}',
    ...extra,
  });
  const bearer = async (deps: ReturnType<typeof composeAuthorizerDeps>, t: string) =>
    authorizeRequest(deps, { method: 'GET', headers: { authorization: `Bearer ${t}` } });

  it('refetches at most once a minute by default, and as configured by IDP_JWKS_REFETCH_SECONDS', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });
    try {
      for (const [extra, interval] of [
        [{}, 60],
        [{ IDP_JWKS_REFETCH_SECONDS: '5' }, 5],
      ] as const) {
        let fetches = 0;
        const deps = composeAuthorizerDeps(env(extra), {
          fetchJwks: () => {
            fetches += 1;
            return Promise.resolve({ keys: [a.publicJwk] });
          },
          logger: silentLogger,
        });
        expect(await bearer(deps, await token(a))).toHaveProperty('allow');
        expect(await bearer(deps, unknownKidToken())).toHaveProperty('deny.status', 401);
        jest.setSystemTime(Date.now() + (interval - 1) * 1000);
        expect(await bearer(deps, unknownKidToken())).toHaveProperty('deny.status', 401);
        expect(fetches).toBe(1);
        jest.setSystemTime(Date.now() + 1000);
        expect(await bearer(deps, unknownKidToken())).toHaveProperty('deny.status', 401);
        expect(fetches).toBe(2);
      }
      expect(() => composeAuthorizerDeps(env({ IDP_JWKS_MAX_AGE_SECONDS: 'soon' }))).toThrow(
        'IDP_JWKS_MAX_AGE_SECONDS must be whole seconds from 0 to 3600',
      );
    } finally {
      jest.useRealTimers();
    }
  });
});
