/**
 * Token endpoint over HTTP: each server in its own child process (ours: bench/local-server.ts under
 * tsx; the peer: bench/peer-oidc-provider.mjs), autocannon in the parent process, one target at a
 * time, same settings and the same request for every target. Before the load, one response of each
 * target is checked: 200, RFC 6749 §5.1 body, and an RFC 9068 JWT of the expected `alg` whose
 * signature verifies against the server's own JWKS (jose).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { SigningAlgorithm } from '../lambdas/domain/ports';
import type { ChildMessage, ParentMessage, PreparedMessage, ReadyMessage, StatsMessage } from './child-protocol';
import { RESOURCE, SCOPE, TOKEN_PATH, TOKEN_TTL, tokenRequestBody, tokenRequestHeaders } from './fixtures';

export interface LoadSettings {
  connections: number;
  /** Seconds measured per target. */
  durationSeconds: number;
  /** Seconds of load before the measured window, discarded. */
  warmupSeconds: number;
}

export type ServerKind = 'ours' | 'peer';

export interface HttpTarget {
  kind: ServerKind;
  alg: SigningAlgorithm;
  /** Our server only: the bench client opted in to token reuse. */
  tokenReuse?: boolean;
  /**
   * Our server only: `memory` keeps each client bundle in memory after its first read, so no request
   * reaches DynamoDB (what the peer's in-memory adapter does); shows the cost of the HTTP path alone.
   */
  store?: 'memory';
}

export interface HttpResult {
  label: string;
  target: HttpTarget;
  requestsPerSecond: number;
  /** Milliseconds (autocannon's histogram has 1 ms resolution). */
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Bytes of one access token. */
  tokenBytes: number;
  /** What the one checked response showed. */
  checked: { alg: string; typ: string | undefined; verified: boolean };
  /** CPU time of the server process per completed request in the measured window, microseconds. */
  serverCpuUsPerRequest: number;
  /** Our server: signer calls and reuse during the measured window. */
  stats?: Omit<StatsMessage, 'type' | 'cpuUs'>;
}

const BENCH_DIR = __dirname;

export function targetLabel(target: HttpTarget): string {
  const who = target.kind === 'ours' ? 'serverless-idp (local)' : 'node-oidc-provider 9';
  const extras = [target.tokenReuse === true ? 'token reuse' : '', target.store === 'memory' ? 'store in memory' : '']
    .filter((extra) => extra !== '')
    .join(', ');
  return `${who} ${target.alg}${extras === '' ? '' : ` (${extras})`}`;
}

/** One server in its own child process, driven over IPC (bench/child-protocol.ts). */
export class ServerChild {
  private readonly waiters: ((message: ChildMessage) => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ChildMessage) => this.waiters.shift()?.(message));
  }

  /** Forks the target's server; `extraEnv` adds settings (the code-exchange mode). */
  static async start(
    target: HttpTarget,
    extraEnv: Record<string, string> = {},
  ): Promise<{ server: ServerChild; ready: ReadyMessage }> {
    const env = {
      ...process.env,
      ...extraEnv,
      NODE_ENV: 'production',
      BENCH_ALG: target.alg,
      BENCH_TOKEN_REUSE: target.tokenReuse === true ? 'true' : 'false',
      BENCH_STORE: target.store ?? 'dynamodb',
      BENCH_RESOURCE: RESOURCE,
      BENCH_SCOPE: SCOPE,
      BENCH_TOKEN_TTL: String(TOKEN_TTL),
    };
    const child =
      target.kind === 'ours'
        ? fork(path.join(BENCH_DIR, 'local-server.ts'), [], { env, execArgv: ['--import', 'tsx'] })
        : fork(path.join(BENCH_DIR, 'peer-oidc-provider.mjs'), [], { env, execArgv: [] });
    const server = new ServerChild(child);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${targetLabel(target)} exited with ${code} before it was ready`))),
    );
    exited.catch(() => {});
    const first = await Promise.race([server.next(), exited]);
    if (first.type !== 'ready') {
      child.kill();
      throw new Error(`${targetLabel(target)} failed to start: ${first.type === 'error' ? first.message : first.type}`);
    }
    return { server, ready: first };
  }

  private next(): Promise<ChildMessage> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Code-exchange mode: asks the child for `count` fresh codes (or refresh tokens, `kind: 'refresh'`). */
  async prepare(count: number, kind: 'code' | 'refresh' = 'code'): Promise<PreparedMessage> {
    const answer = this.next();
    this.child.send({ type: 'prepare', count, kind } satisfies ParentMessage);
    const reply = await answer;
    if (reply.type !== 'prepared') {
      throw new Error(`prepare failed: ${reply.type === 'error' ? reply.message : reply.type}`);
    }
    return reply;
  }

  async request(message: Extract<ParentMessage, { type: 'reset' | 'stats' }>): Promise<StatsMessage> {
    const answer = this.next();
    this.child.send(message);
    const reply = await answer;
    if (reply.type !== 'stats') throw new Error(`unexpected reply ${reply.type}`);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The token endpoint path of each server (oidc-provider serves `/token`). */
export function tokenUrl(kind: ServerKind, ready: ReadyMessage): string {
  return `${ready.url}${kind === 'ours' ? TOKEN_PATH : '/token'}`;
}

/** One request, checked end to end; returns what the token showed and its size. */
async function verifyOne(
  target: HttpTarget,
  ready: ReadyMessage,
  headers: Record<string, string>,
): Promise<HttpResult['checked'] & { bytes: number }> {
  const res = await fetch(tokenUrl(target.kind, ready), { method: 'POST', headers, body: tokenRequestBody() });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${targetLabel(target)}: HTTP ${res.status} ${text}`);
  const body = JSON.parse(text) as Record<string, unknown>;
  if (body['token_type'] !== 'Bearer' || body['expires_in'] !== TOKEN_TTL || body['scope'] !== SCOPE) {
    throw new Error(`${targetLabel(target)}: unexpected token response ${text}`);
  }
  const token = body['access_token'];
  if (typeof token !== 'string') throw new Error(`${targetLabel(target)}: no access_token`);
  const header = decodeProtectedHeader(token);
  if (header.alg !== target.alg) throw new Error(`${targetLabel(target)}: alg ${header.alg}, expected ${target.alg}`);
  const jwks = createRemoteJWKSet(new URL(ready.jwksUri));
  await jwtVerify(token, jwks, {
    issuer: ready.issuer,
    audience: RESOURCE,
    algorithms: [target.alg],
    typ: 'at+jwt',
  });
  return { alg: header.alg, typ: header.typ, verified: true, bytes: Buffer.byteLength(token) };
}

/** Starts the target's server, checks one response, loads it, stops it. */
export async function benchTarget(target: HttpTarget, settings: LoadSettings): Promise<HttpResult> {
  const { server, ready } = await ServerChild.start(target);
  try {
    const headers = tokenRequestHeaders(ready);
    const checked = await verifyOne(target, ready, headers);
    const options: autocannon.Options = {
      url: tokenUrl(target.kind, ready),
      method: 'POST',
      headers,
      body: tokenRequestBody(),
      connections: settings.connections,
      timeout: 10,
    };
    await autocannon({ ...options, duration: settings.warmupSeconds });
    await server.request({ type: 'reset' });
    const result = await autocannon({ ...options, duration: settings.durationSeconds });
    const stats = await server.request({ type: 'stats' });
    const { signCalls, issued, reused, denied, cpuUs } = stats;
    const requests = result['2xx'] + result.non2xx;
    return {
      label: targetLabel(target),
      target,
      requestsPerSecond: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      tokenBytes: checked.bytes,
      checked: { alg: checked.alg, typ: checked.typ, verified: checked.verified },
      serverCpuUsPerRequest: cpuUs / requests,
      stats: target.kind === 'ours' ? { signCalls, issued, reused, denied } : undefined,
    };
  } finally {
    await server.stop();
  }
}
