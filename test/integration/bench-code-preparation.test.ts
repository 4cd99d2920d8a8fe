/**
 * The code-exchange bench's preparation yields codes both servers accept: a short run of the bench
 * itself (bench/code-exchange.ts) against our local server and node-oidc-provider, each in its own
 * child process as `npm run bench` runs them — one exchange checked end to end (both JWTs verified
 * against the server's JWKS, a second redemption refused), then 20 prepared codes redeemed once each
 * through autocannon's request queue: 20 × 200, nothing left over, no code from an empty pool.
 * The same for the refresh bench (refresh tokens prepared, each used once, rotation on both servers).
 * Loopback only. `npm run bench -- --smoke` runs the same, plus the sign-in and KDF timing.
 */
import { benchCodeExchange } from '../../bench/code-exchange';
import type { CodeExchangeResult, CodeExchangeSettings } from '../../bench/code-exchange';

const REQUESTS = 20;
const SETTINGS: CodeExchangeSettings = {
  connections: 4,
  durationSeconds: 1,
  warmupCodes: 0,
  maxCodes: REQUESTS,
  fixedRequests: REQUESTS,
};

function expectClean(result: CodeExchangeResult): void {
  expect(result.checked).toEqual({
    accessToken: { alg: 'RS256', typ: 'at+jwt', verified: true },
    idToken: { alg: 'RS256', verified: true },
    signedTokens: 2,
    secondRedemptionRefused: true,
  });
  expect({
    requests: result.requests,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }).toEqual({ requests: REQUESTS, non2xx: 0, errors: 0, timeouts: 0 });
  // Each request took its own code from the queue; the slack (one per connection) stayed unused.
  expect(result.pool).toMatchObject({ planned: REQUESTS, handedOut: REQUESTS, exhausted: 0 });
  expect(result.pool.prepared).toBe(REQUESTS + SETTINGS.connections);
}

describe('code-exchange bench: prepared codes are valid on both servers', () => {
  it('20 exchanges on each, 0 errors; DynamoDB and adapter calls counted', async () => {
    const [ours, peer] = await Promise.all([
      benchCodeExchange({ kind: 'ours', alg: 'RS256' }, SETTINGS),
      benchCodeExchange({ kind: 'peer', alg: 'RS256' }, SETTINGS),
    ]);
    expectClean(ours);
    expectClean(peer);
    expect(ours.signCallsPerRequest).toBe(2);
    // One conditional write per exchange; the user is not read (the code carries its claims), and the
    // client bundle stays in the local cache (the code writes do not touch its collection).
    expect(ours.storeCallsPerRequest).toEqual({ UpdateItemCommand: 1 });
    expect(peer.storeCallsPerRequest).toEqual({
      'AuthorizationCode.find': 1,
      'AuthorizationCode.consume': 1,
      'Grant.find': 1,
    });
  }, 60_000);

  it('the refresh bench: 20 prepared refresh tokens used once each on both servers (rotation), 0 errors', async () => {
    const [ours, peer] = await Promise.all([
      benchCodeExchange({ kind: 'ours', alg: 'RS256', grant: 'refresh_token' }, SETTINGS),
      benchCodeExchange({ kind: 'peer', alg: 'RS256', grant: 'refresh_token' }, SETTINGS),
    ]);
    expectClean(ours);
    expectClean(peer);
    expect(ours.signCallsPerRequest).toBe(2);
    // One conditional UpdateItem per refresh (the rotation), nothing else.
    expect(ours.storeCallsPerRequest).toEqual({ UpdateItemCommand: 1 });
    expect(peer.storeCallsPerRequest).toEqual({
      'Grant.find': 1,
      'RefreshToken.find': 1,
      'RefreshToken.consume': 1,
      'RefreshToken.upsert': 1,
    });
  }, 60_000);
});
