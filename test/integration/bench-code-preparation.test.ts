/**
 * The code-exchange bench's preparation yields codes both servers accept: a short run of the bench
 * itself (bench/code-exchange.ts) against our local server and node-oidc-provider, each in its own
 * child process as `npm run bench` runs them — one exchange checked end to end (both JWTs verified
 * against the server's JWKS, a second redemption refused), then 20 prepared codes redeemed once each
 * through autocannon's request queue: 20 × 200, nothing left over, no code from an empty pool.
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
    // One conditional write per exchange; the client bundle and the user are Queries.
    expect(ours.storeCallsPerRequest['UpdateItemCommand']).toBe(1);
    expect(Object.keys(ours.storeCallsPerRequest).sort()).toEqual(['QueryCommand', 'UpdateItemCommand']);
    expect(peer.storeCallsPerRequest).toEqual({
      'AuthorizationCode.find': 1,
      'AuthorizationCode.consume': 1,
      'Grant.find': 1,
    });
  }, 60_000);
});
