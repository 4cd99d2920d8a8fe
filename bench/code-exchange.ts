/**
 * The authorization code exchange over HTTP (RFC 6749 §4.1.3 with PKCE, RFC 7636 §4.5): our local
 * server vs node-oidc-provider 9, the same request from the same kind of client (public, `none`), the
 * same scope (`openid` + the API's scopes, so both servers sign an access token AND an ID token: two
 * signatures each), the same algorithm, each server in its own child process, autocannon here.
 *
 * Codes are prepared before the timed part, each redeemed once:
 * - each server creates them in its child on `prepare` (ours through the code repository on dynalite,
 *   the seam the sign-in page writes to; the peer through its `Grant` and `AuthorizationCode` models
 *   on its in-memory adapter) and sends the values back; the child's CPU for that is outside the window
 *   (its counters are reset after the preparation);
 * - autocannon takes them from a FIFO queue in `setupRequest`, which runs once per request built;
 * - the warm-up redeems a fixed number of codes (its last two thirds give the rate); the window then redeems
 *   `planned = rate × durationSeconds` codes (`amount`: autocannon stops after exactly that many, so
 *   the pool, `planned` + slack, never runs dry; a request built from an empty queue would carry an
 *   invalid code, answer 400 and count as a failure, and `exhausted` says how many).
 * Assumption: every code is redeemed well within its 60 s lifetime — preparation plus the window take
 * ~15 s; `checkLifetime` fails the run if they would not.
 *
 * Before the load, one exchange of each server is checked end to end: 200, `token_type` Bearer, an
 * RFC 9068 access token (`typ: at+jwt`, the expected `alg`, `aud` containing the API) and an ID token
 * (audience the client, the nonce) whose signatures verify against the server's own JWKS (jose), and a
 * second redemption of the same code answers 400 `invalid_grant`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { SigningAlgorithm } from '../lambdas/domain/ports';
import type { ReadyMessage } from './child-protocol';
import {
  CODE_CHALLENGE,
  CODE_LIFETIME_SECONDS,
  CODE_NONCE,
  CODE_REDIRECT_URI,
  RESOURCE,
  codeRequestBody,
  codeRequestHeaders,
  refreshRequestBody,
} from './fixtures';
import { ServerChild, tokenUrl } from './http-bench';
import type { ServerKind } from './http-bench';

export interface CodeExchangeSettings {
  connections: number;
  /** Target length of the measured window, seconds: the pool is sized from the warm-up's rate. */
  durationSeconds: number;
  /** Codes redeemed in the warm-up, discarded (0: no warm-up, then `fixedRequests` is required). */
  warmupCodes: number;
  /** Upper bound of the measured window's codes (bounds memory and the child's preparation time). */
  maxCodes: number;
  /** When set: exactly this many codes in the measured window, no warm-up sizing (the smoke test). */
  fixedRequests?: number;
}

export interface CodeExchangeTarget {
  kind: ServerKind;
  alg: SigningAlgorithm;
  /**
   * `refresh_token`: the refresh bench instead — the client also has `refresh_token` (rotation on both
   * servers), refresh tokens are prepared (ours: sessions through the session repository on dynalite;
   * the peer: `Grant` + `RefreshToken` models) and each is used once.
   */
  grant?: 'refresh_token';
  /**
   * Our server only: codes in memory and the user kept after its first read, so an exchange makes no
   * DynamoDB call (what the peer's in-memory adapter does): the cost of HTTP, the grant and signing.
   */
  store?: 'memory';
}

/** How the codes of one target were prepared and used. */
export interface CodePool {
  /** Warm-up: codes redeemed; seconds and rate of its last two thirds (the rate sized the window). */
  warmupCodes: number;
  warmupSeconds: number;
  warmupRate: number;
  /** Codes the measured window was to redeem (`amount`). */
  planned: number;
  /** Codes the child created for the measured window, and how long that took. */
  prepared: number;
  prepareMs: number;
  /** Codes taken from the queue by the measured window (one per request built). */
  handedOut: number;
  /** Requests built after the queue was empty (each would fail): must be 0. */
  exhausted: number;
}

export interface CodeExchangeResult {
  label: string;
  target: CodeExchangeTarget;
  /** 2xx responses ÷ the window's wall-clock seconds (the window ends when the last code is redeemed). */
  requestsPerSecond: number;
  /** Milliseconds (autocannon's histogram has 1 ms resolution). */
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  windowSeconds: number;
  pool: CodePool;
  /** What the one checked exchange showed. */
  checked: {
    accessToken: { alg: string; typ: string | undefined; verified: boolean };
    idToken: { alg: string; verified: boolean };
    /** Tokens signed per exchange (access token + ID token). */
    signedTokens: number;
    /** The same code again answered 400 invalid_grant. */
    secondRedemptionRefused: boolean;
  };
  /** CPU time of the server process per completed exchange in the measured window, microseconds. */
  serverCpuUsPerRequest: number;
  /** Our server: `TokenSigner.sign` calls per exchange in the window. */
  signCallsPerRequest?: number;
  /**
   * Storage calls per exchange in the window, by name: ours DynamoDB commands, the peer its in-memory
   * adapter's calls (no I/O).
   */
  storeCallsPerRequest: Record<string, number>;
}

export function codeTargetLabel(target: CodeExchangeTarget): string {
  const who = target.kind === 'ours' ? 'serverless-idp (local)' : 'node-oidc-provider 9';
  const what = target.grant === 'refresh_token' ? ' refresh' : '';
  return `${who}${what} ${target.alg}${target.store === 'memory' ? ' (store in memory)' : ''}`;
}

/** The child's settings for the code-exchange mode (both servers read the same names). */
function codeEnv(target: CodeExchangeTarget): Record<string, string> {
  return {
    BENCH_GRANT: 'authorization_code',
    BENCH_REDIRECT_URI: CODE_REDIRECT_URI,
    BENCH_CODE_CHALLENGE: CODE_CHALLENGE,
    ...(target.grant === 'refresh_token' ? { BENCH_REFRESH: '1' } : {}),
  };
}

/** What one request of the target sends with a prepared value: a code, or a refresh token. */
function requestBody(target: CodeExchangeTarget, clientId: string, value: string): string {
  return target.grant === 'refresh_token' ? refreshRequestBody(clientId, value) : codeRequestBody(clientId, value);
}

/** What the target's child prepares. */
const prepareKind = (target: CodeExchangeTarget) => (target.grant === 'refresh_token' ? 'refresh' : 'code');

function codeFlowOf(ready: ReadyMessage): NonNullable<ReadyMessage['codeFlow']> {
  if (ready.codeFlow === undefined) throw new Error('the child did not start in code-exchange mode');
  return ready.codeFlow;
}

async function exchange(
  target: CodeExchangeTarget,
  url: string,
  clientId: string,
  code: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: codeRequestHeaders(),
    body: requestBody(target, clientId, code),
  });
  return { status: res.status, text: await res.text() };
}

/** One exchange checked end to end, then the same code again (must be refused). */
async function checkOne(
  target: CodeExchangeTarget,
  ready: ReadyMessage,
  server: ServerChild,
): Promise<CodeExchangeResult['checked']> {
  const label = codeTargetLabel(target);
  const { clientId } = codeFlowOf(ready);
  const [code] = (await server.prepare(1, prepareKind(target))).codes;
  if (code === undefined) throw new Error(`${label}: no code prepared`);
  const url = tokenUrl(target.kind, ready);
  const first = await exchange(target, url, clientId, code);
  if (first.status !== 200) throw new Error(`${label}: HTTP ${first.status} ${first.text}`);
  const body = JSON.parse(first.text) as Record<string, unknown>;
  const accessToken = body['access_token'];
  const idToken = body['id_token'];
  if (body['token_type'] !== 'Bearer' || typeof accessToken !== 'string' || typeof idToken !== 'string') {
    throw new Error(`${label}: unexpected token response ${first.text}`);
  }
  const jwks = createRemoteJWKSet(new URL(ready.jwksUri));
  const at = decodeProtectedHeader(accessToken);
  if (at.alg !== target.alg) throw new Error(`${label}: access token alg ${at.alg}, expected ${target.alg}`);
  await jwtVerify(accessToken, jwks, {
    issuer: ready.issuer,
    audience: RESOURCE,
    algorithms: [target.alg],
    typ: 'at+jwt',
  });
  const id = decodeProtectedHeader(idToken);
  const { payload } = await jwtVerify(idToken, jwks, {
    issuer: ready.issuer,
    audience: clientId,
    algorithms: [target.alg],
  });
  // OIDC Core §12.2: an ID token from a refresh carries no nonce (or the original one).
  const refresh = target.grant === 'refresh_token';
  if (!refresh && payload['nonce'] !== CODE_NONCE) {
    throw new Error(`${label}: ID token nonce ${String(payload['nonce'])}`);
  }
  if (refresh && (typeof body['refresh_token'] !== 'string' || body['refresh_token'] === code)) {
    throw new Error(`${label}: the refresh did not rotate the refresh token: ${first.text}`);
  }
  // The same code (or consumed refresh token) again must be refused.
  const second = await exchange(target, url, clientId, code);
  const refused = second.status === 400 && (JSON.parse(second.text) as { error?: string }).error === 'invalid_grant';
  if (!refused) throw new Error(`${label}: a second redemption answered ${second.status} ${second.text}`);
  return {
    accessToken: { alg: at.alg, typ: at.typ, verified: true },
    idToken: { alg: id.alg ?? '', verified: true },
    signedTokens: 2,
    secondRedemptionRefused: true,
  };
}

/** A FIFO of prepared codes that autocannon's `setupRequest` draws from. */
class CodeQueue {
  private next = 0;
  /** Requests built after the queue ran dry. */
  exhausted = 0;

  constructor(private readonly codes: readonly string[]) {}

  get handedOut(): number {
    return this.next;
  }

  take(): string {
    const code = this.codes[this.next];
    if (code === undefined) {
      this.exhausted += 1;
      // Not a code any server issued: the request fails visibly (400) instead of reusing a code.
      return 'pool-exhausted';
    }
    this.next += 1;
    return code;
  }
}

/** Redeems exactly `amount` codes from `queue` with autocannon. */
function load(
  target: CodeExchangeTarget,
  url: string,
  clientId: string,
  queue: CodeQueue,
  amount: number,
  connections: number,
): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: Math.min(connections, amount),
    amount,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: codeRequestHeaders(),
        setupRequest: (request) => ({ ...request, body: requestBody(target, clientId, queue.take()) }),
      },
    ],
  });
}

/** Fails when the oldest prepared code would expire before the window can have redeemed it. */
function checkLifetime(label: string, preparedAtMs: number, planned: number, rate: number): void {
  const expectedEndMs = Date.now() + (planned / Math.max(rate, 1)) * 1000;
  // Slack for a rate that halves under load from other processes.
  const worstEndMs = Date.now() + 2 * (expectedEndMs - Date.now());
  if (worstEndMs - preparedAtMs > (CODE_LIFETIME_SECONDS - 5) * 1000) {
    throw new Error(
      `${label}: ${planned} codes at ${rate.toFixed(0)}/s would outlive their ${CODE_LIFETIME_SECONDS} s`,
    );
  }
}

/** Starts the target's server in code-exchange mode, checks one exchange, warms up, measures, stops it. */
export async function benchCodeExchange(
  target: CodeExchangeTarget,
  settings: CodeExchangeSettings,
  /** Runs against the same server after the measured window, before it stops (the sign-in timing). */
  afterWindow?: (ready: ReadyMessage) => Promise<void>,
): Promise<CodeExchangeResult> {
  const label = codeTargetLabel(target);
  const { server, ready } = await ServerChild.start(
    { kind: target.kind, alg: target.alg, ...(target.store === undefined ? {} : { store: target.store }) },
    codeEnv(target),
  );
  try {
    const { clientId } = codeFlowOf(ready);
    const url = tokenUrl(target.kind, ready);
    const checked = await checkOne(target, ready, server);

    let warmupRate = Number.NaN;
    let warmupSeconds = 0;
    if (settings.warmupCodes > 0) {
      // The first third warms the JIT and the connections; the rest gives the rate that sizes the window.
      const first = Math.ceil(settings.warmupCodes / 3);
      const rest = settings.warmupCodes - first;
      const warm = new CodeQueue((await server.prepare(settings.warmupCodes, prepareKind(target))).codes);
      const cold = await load(target, url, clientId, warm, first, settings.connections);
      const started = process.hrtime.bigint();
      const result = await load(target, url, clientId, warm, rest, settings.connections);
      warmupSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      warmupRate = result['2xx'] / warmupSeconds;
      const failed = [cold, result].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
      if (failed > 0 || warm.exhausted > 0) throw new Error(`${label}: warm-up failed: ${failed} non-2xx or errors`);
    }
    const planned =
      settings.fixedRequests ??
      Math.min(settings.maxCodes, Math.max(4 * settings.connections, Math.ceil(warmupRate * settings.durationSeconds)));
    if (!Number.isFinite(planned) || planned <= 0)
      throw new Error(`${label}: no window size (warm-up or fixedRequests)`);

    // Slack beyond `amount`: none is needed while no connection reconnects (each request built is sent).
    const preparedAtMs = Date.now();
    const prepared = await server.prepare(planned + settings.connections, prepareKind(target));
    // Codes live 60 s; refresh tokens 30 days.
    if (settings.fixedRequests === undefined && target.grant === undefined) {
      checkLifetime(label, preparedAtMs, planned, warmupRate);
    }
    const queue = new CodeQueue(prepared.codes);
    // Let the child settle after the preparation burst (dynalite's LevelDB writes, GC) before resetting.
    await sleep(200);
    await server.request({ type: 'reset' });
    const started = process.hrtime.bigint();
    const result = await load(target, url, clientId, queue, planned, settings.connections);
    const windowSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stats = await server.request({ type: 'stats' });
    await afterWindow?.(ready);
    const requests = result['2xx'] + result.non2xx;
    const completed = Math.max(1, requests);
    const storeCallsPerRequest: Record<string, number> = {};
    for (const [name, calls] of Object.entries(stats.storeCalls ?? {})) storeCallsPerRequest[name] = calls / completed;
    return {
      label,
      target,
      requestsPerSecond: result['2xx'] / windowSeconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests,
      non2xx: result.non2xx + queue.exhausted,
      errors: result.errors,
      timeouts: result.timeouts,
      windowSeconds,
      pool: {
        warmupCodes: settings.warmupCodes,
        warmupSeconds,
        warmupRate,
        planned,
        prepared: prepared.codes.length,
        prepareMs: prepared.ms,
        handedOut: queue.handedOut,
        exhausted: queue.exhausted,
      },
      checked,
      serverCpuUsPerRequest: stats.cpuUs / completed,
      ...(target.kind === 'ours' ? { signCallsPerRequest: stats.signCalls / completed } : {}),
      storeCallsPerRequest,
    };
  } finally {
    await server.stop();
  }
}
