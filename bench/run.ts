/**
 * `npm run bench`: one run, one machine, everything side by side (docs/contract.md, Budgets).
 *
 * 1. Token endpoint over HTTP: our local server vs panva/node-oidc-provider 9, RS256 and ES256, same
 *    autocannon settings and request, each server in its own child process, autocannon in this one.
 * 2. The token handler without HTTP, and where its time goes (DynamoDB on dynalite, signing, the rest).
 * 3. Authorizer-side verification of our tokens with a cached JWKS.
 * 4. Lambda bundles: size and cold module-init time.
 * 5. The machine's single-thread RSA-2048 / P-256 sign rates, and our req/s as a fraction of them.
 * 6. Token reuse: req/s and signer calls per request with a client that opted in.
 * 7. The authorization code exchange over HTTP (PKCE, public client, `openid` + API scopes): ours vs
 *    the peer, codes prepared before the timed part and each redeemed once (bench/code-exchange.ts),
 *    with DynamoDB calls per exchange counted.
 * 8. The deliberately slow step on its own: the password KDF and the sign-in POST (bench/kdf-bench.ts).
 * 9. Signing modes per function instance: the production signers over the KMS protocol fake
 *    (bench/signing-modes.ts): signs/s and KMS calls per token for `kms` and `envelope`.
 * 10. The authorizer's revocation check: added latency per request on a status-cache hit and a miss
 *    (bench/authorizer-bench.ts). `--authorizer` runs only this section (no results file).
 * 11. The admin console: its JavaScript size (gzip) against the 250 KB budget and the time from
 *     navigation to the client list being interactive in headless Chromium (bench/console-bench.ts).
 *     `--console` runs only this section.
 *
 * `--console`: only 10 (writes no results file).
 * `--smoke`: only 7 and 8, tiny (20 exchanges per server, one KDF round, one sign-in), to check that
 * the code preparation yields valid codes on both sides; writes no results file.
 *
 * Prints Markdown tables and writes `bench/results/<ISO timestamp>.json` (colons as `-`) and
 * `bench/results/latest.json`. Exits 1 when any request failed or a check did not hold.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SigningAlgorithm } from '../lambdas/domain/ports';
import { benchAuthorizer } from './authorizer-bench';
import type { AuthorizerBenchRow, AuthorizerBenchSettings } from './authorizer-bench';
import { benchBundles } from './bundles';
import { benchCodeExchange, codeTargetLabel } from './code-exchange';
import { benchConsole } from './console-bench';
import type { ConsoleBenchResult } from './console-bench';
import type { CodeExchangeResult, CodeExchangeSettings, CodeExchangeTarget } from './code-exchange';
import { benchKdf, benchSignIn } from './kdf-bench';
import type { KdfBenchResult, SignInBenchResult, Timing } from './kdf-bench';
import type { BundleBenchResult } from './bundles';
import { benchHandlers } from './handler-bench';
import type { HandlerBenchResult, HandlerSettings } from './handler-bench';
import { benchTarget, targetLabel } from './http-bench';
import type { HttpResult, HttpTarget, LoadSettings } from './http-bench';
import { benchSignRates } from './sign-rates';
import { benchSigningModes, TOKEN_FUNCTION_MEMORY_MB } from './signing-modes';
import type { SigningModeRow } from './signing-modes';
import type { SignRate } from './sign-rates';
import { kib, markdownTable, num, ratio } from './table';

const LOAD: LoadSettings = { connections: 16, durationSeconds: 10, warmupSeconds: 2 };
const HANDLER: HandlerSettings = { concurrency: 16, rounds: 3, durationMs: 700, warmupMs: 800, stepMs: 1000 };
const INIT_RUNS = 5;
const SIGN_RATE_MS = 2000;
const ALGS: SigningAlgorithm[] = ['RS256', 'ES256'];
/** Warm-up: 300 codes (rate probe + JIT); window: ~10 s worth at that rate, at most 30,000 codes. */
const CODE: CodeExchangeSettings = { connections: 16, durationSeconds: 10, warmupCodes: 300, maxCodes: 30_000 };
/**
 * Code-exchange algorithms: RS256 by default (three targets, ~45 s); `BENCH_CODE_ALGS=RS256,ES256`
 * adds ES256 (another ~45 s).
 */
const CODE_ALGS: SigningAlgorithm[] = (process.env['BENCH_CODE_ALGS'] ?? 'RS256')
  .split(',')
  .map((alg) => alg.trim())
  .filter((alg): alg is SigningAlgorithm => alg === 'RS256' || alg === 'ES256');
const KDF_ROUNDS = 10;
const SIGN_IN_ROUNDS = 5;
const SMOKE = process.argv.includes('--smoke');
/** `--code-only`: section 7 (code exchange and refresh) and 8 at full size, printed, no results file (a short run). */
const CODE_ONLY = process.argv.includes('--code-only');
const AUTHORIZER_ONLY = process.argv.includes('--authorizer');
const AUTHORIZER: AuthorizerBenchSettings = { requests: 2000, warmup: 200 };
const CONSOLE_ONLY = process.argv.includes('--console');
/** Timed console navigations (each in a fresh page of a signed-in profile). */
const CONSOLE_RUNS = 7;
const SMOKE_CODES = 20;

const RESULTS_DIR = path.join(__dirname, 'results');

interface Machine {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    loadAverageStart: os.loadavg().map((v) => Number(v.toFixed(2))),
  };
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function progress(text: string): void {
  process.stderr.write(`… ${text}\n`);
}

function find(
  results: HttpResult[],
  kind: 'ours' | 'peer',
  alg: SigningAlgorithm,
  variant: 'plain' | 'reuse' | 'memory' = 'plain',
): HttpResult | undefined {
  return results.find(
    (r) =>
      r.target.kind === kind &&
      r.target.alg === alg &&
      (r.target.tokenReuse === true) === (variant === 'reuse') &&
      (r.target.store === 'memory') === (variant === 'memory'),
  );
}

interface Ratios {
  throughput: number;
  p50: number;
  p99: number;
  cpuPerToken: number;
}

type Comparable = Pick<HttpResult, 'requestsPerSecond' | 'p50' | 'p99' | 'serverCpuUsPerRequest'>;

function compare(ours: Comparable, peer: Comparable): Ratios {
  return {
    throughput: ours.requestsPerSecond / peer.requestsPerSecond,
    p50: ours.p50 / peer.p50,
    p99: ours.p99 / peer.p99,
    cpuPerToken: ours.serverCpuUsPerRequest / peer.serverCpuUsPerRequest,
  };
}

function httpSection(results: HttpResult[]): { text: string; ratios: Record<string, Ratios> } {
  const rows = results.map((r) => [
    r.label,
    num(r.requestsPerSecond),
    num(r.p50),
    num(r.p99),
    num(r.requests),
    num(r.non2xx + r.errors + r.timeouts),
    num(r.serverCpuUsPerRequest),
    r.stats === undefined ? 'n/a' : num(r.stats.signCalls / Math.max(1, r.stats.issued), 2),
    num(r.tokenBytes),
    `${r.checked.alg} ${r.checked.typ ?? ''} ${r.checked.verified ? 'verified' : 'NOT verified'}`,
  ]);
  const table = markdownTable(
    [
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'requests',
      'non-2xx + errors',
      'server CPU µs/token',
      'signs/token',
      'token bytes',
      'one response checked',
    ],
    rows,
  );
  const ratios: Record<string, Ratios> = {};
  const ratioRows: string[][] = [];
  for (const alg of ALGS) {
    const peer = find(results, 'peer', alg);
    if (peer === undefined) continue;
    for (const [variant, label] of [
      ['plain', 'ours (local server, dynalite + bundle cache) / peer'],
      ['memory', 'ours (store in memory, no I/O like the peer) / peer'],
    ] as const) {
      const ours = find(results, 'ours', alg, variant);
      if (ours === undefined) continue;
      const r = compare(ours, peer);
      ratios[`${alg}${variant === 'memory' ? ' store in memory' : ''}`] = r;
      ratioRows.push([
        alg,
        label,
        ratio(r.throughput),
        ratio(r.p50),
        ratio(r.p99),
        ratio(r.cpuPerToken),
        `${r.throughput > 1 ? 'ahead' : 'BEHIND'} on req/s; p99 ${r.p99 <= 1 ? 'no worse' : 'WORSE'}`,
      ]);
    }
  }
  const ratioTable = markdownTable(
    ['alg', 'comparison', 'req/s', 'p50', 'p99', 'server CPU/token', 'verdict'],
    ratioRows,
  );
  return { text: `${table}\n\nRatios (same run, same settings):\n\n${ratioTable}`, ratios };
}

function handlerSection(result: HandlerBenchResult): string {
  const rows = result.rows.map((r) => [
    r.alg,
    r.variant,
    num(r.perSecond),
    num(r.p50, 2),
    num(r.p99, 2),
    num(r.cpuUsPerCall),
    num(r.signCallsPerRequest, 2),
  ]);
  const main = markdownTable(['alg', 'variant', 'calls/s', 'p50 ms', 'p99 ms', 'CPU µs/call', 'signs/request'], rows);
  const share = (part: number, total: number) => `${num(part)} (${num((100 * part) / total)}%)`;
  const breakdown = markdownTable(
    [
      'alg',
      'CPU µs/request',
      'DynamoDB (SDK + front + dynalite)',
      'signing (local key)',
      'parse + HMAC auth + claims + JSON',
    ],
    result.breakdowns.map((b) => [
      b.alg,
      num(b.totalUs),
      share(b.dynamoDbUs, b.totalUs),
      share(b.signingUs, b.totalUs),
      share(b.parseAuthAndRestUs, b.totalUs),
    ]),
  );
  const steps = markdownTable(
    ['alg', 'parse request', 'HMAC-SHA-256', 'sign', `loadClientBundle (${HANDLER.concurrency} in flight)`],
    result.breakdowns.map((b) => [
      b.alg,
      num(b.steps.parseUs, 1),
      num(b.steps.hmacUs, 1),
      num(b.steps.signUs, 1),
      num(b.steps.loadClientBundleUs, 1),
    ]),
  );
  return (
    `${main}\n\nWhere a request's CPU goes (differences between the variants):\n\n${breakdown}\n\n` +
    `Each step alone, CPU µs per operation:\n\n${steps}`
  );
}

function verifySection(result: HandlerBenchResult): string {
  return markdownTable(
    ['alg', 'verifier', 'verifies/s', 'CPU µs/verify', 'verifies per CPU-second', 'p50 ms', 'p99 ms'],
    result.verify.map((v) => [
      v.alg,
      v.verifier,
      num(v.perSecond),
      num(v.cpuUsPerVerify, 1),
      num(1e6 / v.cpuUsPerVerify),
      num(v.p50, 3),
      num(v.p99, 3),
    ]),
  );
}

function bundleSection(result: BundleBenchResult): string {
  const table = markdownTable(
    ['handler', 'variant', 'AWS SDK', 'minified', 'gzip', 'budget', `init ms (median of ${INIT_RUNS})`],
    result.rows.map((r) => [
      r.handler,
      r.variant,
      r.sdk,
      kib(r.bytes),
      kib(r.gzipBytes),
      r.budgetBytes === undefined ? '' : `${r.bytes <= r.budgetBytes ? 'within' : 'OVER'} ${kib(r.budgetBytes)}`,
      num(r.initMedianMs, 1),
    ]),
  );
  return (
    `${table}\n\n\`deployed\`: ${result.deployedSettings}. \`alternative\`: the other choice for the SDK ` +
    '(external: loaded from node_modules at init, as from the Lambda runtime).'
  );
}

interface Gap {
  /** Our HTTP req/s ÷ wall-clock single-thread signs/s. */
  throughputFraction: number;
  /** CPU of one signature ÷ our server's CPU per token: the share of the server's work that is signing. */
  signingShareOfCpu: number;
}

function signSection(rates: SignRate[], http: HttpResult[]): { text: string; gap: Record<string, Gap> } {
  const gap: Record<string, Gap> = {};
  const rows = rates.map((rate) => {
    const ours = find(http, 'ours', rate.alg);
    const g: Gap = {
      throughputFraction: ours === undefined ? Number.NaN : ours.requestsPerSecond / rate.perSecond,
      signingShareOfCpu: ours === undefined ? Number.NaN : 1e6 / rate.perCpuSecond / ours.serverCpuUsPerRequest,
    };
    gap[rate.alg] = g;
    return [
      rate.alg,
      rate.key,
      num(rate.perSecond),
      num(rate.perCpuSecond),
      ours === undefined ? 'n/a' : num(ours.requestsPerSecond),
      `${num(100 * g.throughputFraction, 1)}%`,
      ours === undefined ? 'n/a' : num(ours.serverCpuUsPerRequest),
      num(1e6 / rate.perCpuSecond),
      `${num(100 * g.signingShareOfCpu, 1)}%`,
    ];
  });
  return {
    text: markdownTable(
      [
        'alg',
        'key',
        'signs/s (1 thread)',
        'signs per CPU-s',
        'our HTTP req/s',
        'req/s ÷ signs/s',
        'server CPU µs/token',
        'CPU µs/sign',
        'signing share of server CPU',
      ],
      rows,
    ),
    gap,
  };
}

function signingModesSection(rows: SigningModeRow[]): string {
  const cell = (value: number, digits = 0) => (Number.isNaN(value) ? 'n/a' : num(value, digits));
  return [
    markdownTable(
      [
        'mode',
        'alg',
        'KMS requests at cold start',
        'KMS requests per token',
        'signs/s, one at a time',
        'signs per CPU-s (per core)',
        `est. signs/s per instance at ${TOKEN_FUNCTION_MEMORY_MB} MB`,
      ],
      rows.map((r) => [
        r.mode,
        r.alg,
        num(r.kmsRequestsAtStart),
        num(r.kmsRequestsPerToken, 2),
        cell(r.perSecond),
        cell(r.perCpuSecond),
        cell(r.perInstanceAt512MbEstimate),
      ]),
    ),
    '',
    '`envelope`: one `Decrypt` per cold start, then node:crypto in memory; an instance signs as fast as its CPU share ' +
      '(one vCPU at 1,769 MB). `kms`: one `kms:Sign` per token, so the stage issues at most the account quota ' +
      '(RSA 500/s, ECC 300/s by default, shared by every caller in the account and Region) whatever its instances; ' +
      'its rate here would be the loopback fake’s, so it is not reported. KMS requests are counted at the fake.',
  ].join('\n');
}

function reuseSection(http: HttpResult[], handler: HandlerBenchResult): string {
  const rows: string[][] = [];
  for (const [label, r] of [
    ['HTTP, RS256, client without reuse', find(http, 'ours', 'RS256')],
    ['HTTP, RS256, client with tokenReuse', find(http, 'ours', 'RS256', 'reuse')],
  ] as const) {
    if (r === undefined) continue;
    rows.push([
      label,
      num(r.requestsPerSecond),
      num(r.p99),
      num(r.serverCpuUsPerRequest),
      r.stats === undefined ? 'n/a' : num(r.stats.signCalls / Math.max(1, r.stats.issued), 4),
      r.stats === undefined ? 'n/a' : `${num(r.stats.reused)} of ${num(r.stats.issued)}`,
    ]);
  }
  for (const row of handler.rows.filter((r) => r.variant === 'local-server' || r.variant === 'token-reuse')) {
    rows.push([
      `handler, ${row.alg}, ${row.variant === 'local-server' ? 'client without reuse' : 'client with tokenReuse'}`,
      num(row.perSecond),
      num(row.p99, 2),
      num(row.cpuUsPerCall),
      num(row.signCallsPerRequest, 4),
      '',
    ]);
  }
  return markdownTable(['row', 'req/s', 'p99 ms', 'CPU µs/token', 'signer calls/request', 'reused'], rows);
}

function codeFind(
  results: CodeExchangeResult[],
  kind: 'ours' | 'peer',
  alg: SigningAlgorithm,
  memory = false,
  grant?: 'refresh_token',
) {
  return results.find(
    (r) =>
      r.target.kind === kind &&
      r.target.alg === alg &&
      (r.target.store === 'memory') === memory &&
      r.target.grant === grant,
  );
}

/** `QueryCommand: 1.99, UpdateItemCommand: 1` (per exchange). */
function callsText(calls: Record<string, number>): string {
  const entries = Object.entries(calls).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '0 (none)';
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return `${num(total, 2)}: ${entries.map(([name, n]) => `${name.replace(/Command$/, '')} ${num(n, 2)}`).join(', ')}`;
}

function codeSection(results: CodeExchangeResult[]): { text: string; ratios: Record<string, Ratios> } {
  const table = markdownTable(
    [
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'exchanges',
      'non-2xx + errors',
      'window s',
      'codes prepared / used',
      'server CPU µs/exchange',
      'signs/exchange',
      'one exchange checked',
    ],
    results.map((r) => [
      r.label,
      num(r.requestsPerSecond),
      num(r.p50),
      num(r.p99),
      num(r.requests),
      num(r.non2xx + r.errors + r.timeouts),
      num(r.windowSeconds, 1),
      `${num(r.pool.prepared)} / ${num(r.pool.handedOut)}`,
      num(r.serverCpuUsPerRequest),
      r.signCallsPerRequest === undefined ? `${r.checked.signedTokens} (AT + ID)` : num(r.signCallsPerRequest, 2),
      `AT ${r.checked.accessToken.alg} ${r.checked.accessToken.typ ?? ''} + ID token verified; ` +
        `reuse → ${r.checked.secondRedemptionRefused ? 'invalid_grant' : 'NOT refused'}`,
    ]),
  );
  const ratios: Record<string, Ratios> = {};
  const ratioRows: string[][] = [];
  for (const alg of CODE_ALGS) {
    for (const [grant, memory, label] of [
      [undefined, false, 'code exchange: ours (local server, dynalite) / peer'],
      [undefined, true, 'code exchange: ours (store in memory, no I/O like the peer) / peer'],
      ['refresh_token', false, 'refresh (rotation): ours (local server, dynalite) / peer'],
    ] as const) {
      const peer = codeFind(results, 'peer', alg, false, grant);
      const ours = codeFind(results, 'ours', alg, memory, grant);
      if (ours === undefined || peer === undefined) continue;
      const r = compare(ours, peer);
      const what = grant === undefined ? 'code exchange' : 'refresh';
      ratios[`${what} ${alg}${memory ? ' store in memory' : ''}`] = r;
      ratioRows.push([
        alg,
        label,
        ratio(r.throughput),
        ratio(r.p50),
        ratio(r.p99),
        ratio(r.cpuPerToken),
        `${r.throughput >= 2 ? 'meets' : 'BELOW'} the 2× budget; p99 ${r.p99 <= 1 ? 'no worse' : 'WORSE'}`,
      ]);
    }
  }
  const ratioTable = markdownTable(
    ['alg', 'comparison', 'req/s', 'p50', 'p99', 'server CPU/exchange', 'verdict (≥ 2×, p99 no worse)'],
    ratioRows,
  );
  const counts = markdownTable(
    ['target', 'storage calls per exchange (counted in the measured window)', 'what is counted'],
    results.map((r) => [
      r.label,
      callsText(r.storeCallsPerRequest),
      r.target.kind === 'peer'
        ? 'its in-memory adapter (no I/O)'
        : r.target.store === 'memory'
          ? 'SDK commands (codes and the user in memory)'
          : 'SDK commands sent to dynalite',
    ]),
  );
  return {
    text: `${table}\n\nRatios (same run, same settings):\n\n${ratioTable}\n\nStorage calls per exchange:\n\n${counts}`,
    ratios,
  };
}

function timingRow(label: string, t: Timing): string[] {
  return [label, num(t.rounds), num(t.median), num(t.p90), num(t.min), num(t.max)];
}

function kdfSection(kdf: KdfBenchResult, signIn: SignInBenchResult | undefined): string {
  const rows = [timingRow('ScryptPasswordKdf.hash', kdf.hash), timingRow('ScryptPasswordKdf.verify', kdf.verify)];
  if (signIn !== undefined) {
    rows.push(timingRow('POST /oauth2/sign-in (right password → 303 with a code)', signIn.post));
    rows.push(timingRow('GET /oauth2/authorize + POST /oauth2/sign-in', signIn.endToEnd));
  }
  const { N, r, p, memoryMiB } = kdf.params;
  return (
    `scrypt N=2^${Math.log2(N)}, r=${r}, p=${p} (${num(memoryMiB)} MiB per call), sequential, one at a time:\n\n` +
    markdownTable(['step', 'rounds', 'median ms', 'p90 ms', 'min ms', 'max ms'], rows) +
    (signIn === undefined
      ? ''
      : `\n\nThe last sign-in's code ${signIn.codeExchanged ? 'exchanged at the token endpoint (200)' : 'was NOT exchanged'}.`)
  );
}

interface CodePart {
  code: CodeExchangeResult[];
  kdf: KdfBenchResult;
  signIn: SignInBenchResult | undefined;
}

/** Sections 7 and 8; `smoke`: tiny, to check the code preparation on both sides. */
async function codeAndKdf(smoke: boolean, failures: string[]): Promise<CodePart> {
  const settings: CodeExchangeSettings = smoke
    ? { ...CODE, warmupCodes: 0, fixedRequests: SMOKE_CODES, maxCodes: SMOKE_CODES }
    : CODE;
  const targets: CodeExchangeTarget[] = CODE_ALGS.flatMap((alg): CodeExchangeTarget[] =>
    smoke
      ? [
          { kind: 'ours', alg },
          { kind: 'peer', alg },
          { kind: 'ours', alg, grant: 'refresh_token' },
          { kind: 'peer', alg, grant: 'refresh_token' },
        ]
      : [
          { kind: 'ours', alg },
          { kind: 'peer', alg },
          { kind: 'ours', alg, store: 'memory' },
          // The refresh_token grant with rotation: refresh tokens prepared, each used once.
          { kind: 'ours', alg, grant: 'refresh_token' },
          { kind: 'peer', alg, grant: 'refresh_token' },
        ],
  );
  const code: CodeExchangeResult[] = [];
  let signIn: SignInBenchResult | undefined;
  for (const target of targets) {
    progress(codeTargetLabel(target));
    // The sign-in timing runs on the first of our dynalite servers, after its window.
    const timeSignIn =
      signIn === undefined && target.kind === 'ours' && target.store === undefined && target.grant === undefined;
    const result = await benchCodeExchange(target, settings, async (ready) => {
      if (timeSignIn) signIn = await benchSignIn(ready, smoke ? 1 : SIGN_IN_ROUNDS);
    });
    const failed = result.non2xx + result.errors + result.timeouts;
    if (failed > 0) {
      failures.push(
        `${result.label} code exchange: ${result.non2xx} non-2xx (${result.pool.exhausted} from an empty pool), ` +
          `${result.errors} errors, ${result.timeouts} timeouts`,
      );
    }
    if (result.requests !== result.pool.planned) {
      failures.push(`${result.label} code exchange: ${result.requests} answered of ${result.pool.planned} planned`);
    }
    code.push(result);
  }
  progress('password KDF');
  const kdf = await benchKdf(smoke ? 1 : KDF_ROUNDS);
  return { code, kdf, signIn };
}

function consoleSection(result: ConsoleBenchResult, failures: string[]): string {
  if (result.javascriptGzipBytes > result.budgetGzipBytes) {
    failures.push(
      `console JavaScript ${result.javascriptGzipBytes} B gzipped, over its budget ${result.budgetGzipBytes} B`,
    );
  }
  return [
    markdownTable(
      ['measure', 'value', 'budget'],
      [
        ['JavaScript, minified', kib(result.javascriptBytes), ''],
        ['JavaScript, gzip -9', kib(result.javascriptGzipBytes), `${num(result.budgetGzipBytes / 1000)} KB`],
        ['build (esbuild, at local start)', `${num(result.buildMs)} ms`, ''],
        ['navigation → client list interactive, median', `${num(result.medianMs)} ms`, '1,000 ms'],
        ['navigation → client list interactive, max', `${num(result.maxMs)} ms`, ''],
      ],
    ),
    '',
    `Runs (ms): ${result.interactiveMs.map((ms) => num(ms)).join(', ')}. Each: a fresh page of a signed-in ` +
      'profile, HTTP cache off — index.html, script, stylesheet, the silent prompt=none authorization, the ' +
      'code exchange and GET /admin/clients, until the rows and the "Create client" button show.',
  ].join('\n');
}

async function consoleMain(): Promise<void> {
  const failures: string[] = [];
  progress('console');
  say('## 11. Admin console (headless Chromium, local server in memory)');
  say();
  say(consoleSection(await benchConsole(CONSOLE_RUNS), failures));
  if (failures.length > 0) {
    for (const failure of failures) process.stderr.write(`FAILED: ${failure}\n`);
    process.exitCode = 1;
  }
}

/** `--smoke`: sections 7 and 8 only, tiny; `--code-only`: the same at full size. Exits 1 on any failure. */
async function smokeMain(): Promise<void> {
  const failures: string[] = [];
  const host = machine();
  if (CODE_ONLY) say(`Load average at start: ${host.loadAverageStart.join(' ')}`);
  const part = await codeAndKdf(!CODE_ONLY, failures);
  say(CODE_ONLY ? '## Code exchange and refresh' : '## Smoke: code exchange with prepared codes');
  say();
  say(codeSection(part.code).text);
  say();
  say(kdfSection(part.kdf, part.signIn));
  if (failures.length > 0) {
    for (const failure of failures) process.stderr.write(`FAILED: ${failure}\n`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = Date.now();
  const host = machine();
  const failures: string[] = [];

  say(`# serverless-idp bench, ${started.toISOString()}`);
  say();
  say(`Machine: ${host.cpu}, ${host.cores} cores, Node.js ${host.node}, ${host.platform}`);
  say(
    `Load average at start: ${host.loadAverageStart.join(' ')} (shared machine: read rows side by side, not across runs)`,
  );
  say(
    `Settings: autocannon in the bench process, each server in its own child process (NODE_ENV=production, ` +
      `JSON logs of warnings/errors only); ${LOAD.connections} connections, ${LOAD.warmupSeconds} s warm-up + ` +
      `${LOAD.durationSeconds} s per target, one target at a time.`,
  );
  say();

  // 5 first: nothing else runs in this process yet.
  progress('sign rates');
  const signRates = benchSignRates(SIGN_RATE_MS);

  const targets: HttpTarget[] = [
    { kind: 'ours', alg: 'RS256' },
    { kind: 'peer', alg: 'RS256' },
    { kind: 'ours', alg: 'ES256' },
    { kind: 'peer', alg: 'ES256' },
    { kind: 'ours', alg: 'RS256', tokenReuse: true },
    { kind: 'ours', alg: 'RS256', store: 'memory' },
    { kind: 'ours', alg: 'ES256', store: 'memory' },
  ];
  const http: HttpResult[] = [];
  for (const target of targets) {
    progress(`HTTP ${targetLabel(target)}`);
    const result = await benchTarget(target, LOAD);
    if (result.non2xx + result.errors + result.timeouts > 0) {
      failures.push(`${result.label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
    }
    http.push(result);
  }

  const codeStarted = Date.now();
  const codePart = await codeAndKdf(false, failures);
  const codeSeconds = (Date.now() - codeStarted) / 1000;

  progress('handler level');
  const handler = await benchHandlers(ALGS, HANDLER);

  progress('signing modes');
  const signingModes = await benchSigningModes(ALGS, SIGN_RATE_MS);

  progress('bundles');
  const bundles = await benchBundles(INIT_RUNS);
  for (const row of bundles.rows) {
    if (row.variant === 'deployed' && row.budgetBytes !== undefined && row.bytes > row.budgetBytes) {
      failures.push(`${row.handler} bundle ${row.bytes} B over its budget ${row.budgetBytes} B`);
    }
  }

  progress('authorizer revocation check');
  const authorizer = await benchAuthorizer(AUTHORIZER);
  progress('console');
  const consoleResult = await benchConsole(CONSOLE_RUNS);

  const httpText = httpSection(http);
  const codeText = codeSection(codePart.code);
  const sign = signSection(signRates, http);
  host.loadAverageEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
  const durationSeconds = (Date.now() - t0) / 1000;

  say('## 1. Token endpoint over HTTP');
  say();
  say(
    'POST /oauth2/token, form body `grant_type=client_credentials&resource=…&scope=…`, client_secret_basic. ' +
      'Ours: the local server as `npm start` runs it, in memory: dynalite in the same process behind the ' +
      'write-invalidated bundle cache (a Query only after a write). Peer: oidc-provider with its in-memory ' +
      'adapter (no I/O per request). Section 2 has the cost of a Query per request, as on AWS.',
  );
  say();
  say(httpText.text);
  say();
  say(
    `## 2. Token handler without HTTP (\`makeHandler(deps)\`, local in-memory deps, ${HANDLER.concurrency} in flight, median of ${HANDLER.rounds} interleaved rounds)`,
  );
  say();
  say(handlerSection(handler));
  say();
  say('## 3. Authorizer verification, cached JWKS (one thread, tokens from our handler)');
  say();
  say(verifySection(handler));
  say();
  say('## 4. Lambda bundles (esbuild as NodejsFunction runs it, source maps off)');
  say();
  say(bundleSection(bundles));
  say();
  say('## 5. Physical signing limit (node:crypto, one thread) and the gap');
  say();
  say(sign.text);
  say();
  say('## 6. Token reuse');
  say();
  say(reuseSection(http, handler));
  say();
  say('## 7. Code exchange over HTTP (authorization_code + PKCE)');
  say();
  say(
    'POST token endpoint, form body `grant_type=authorization_code&code=…&redirect_uri=…&code_verifier=…&' +
      'client_id=…&resource=…`, a public client (`none`) on both servers, scope `openid` + the API scopes: each ' +
      'exchange signs an access token and an ID token. Codes prepared in each server before the timed part ' +
      `(ours: the code repository on dynalite; the peer: its Grant + AuthorizationCode models), each redeemed once; ` +
      `${CODE.connections} connections, ${CODE.warmupCodes} codes of warm-up, then ~${CODE.durationSeconds} s worth ` +
      'of codes at the warm-up rate. The peer uses its in-memory adapter (no I/O per request); ours does what ' +
      '`npm start` does (each exchange writes its one conditional UpdateItem; only writes to clients and APIs invalidate the local bundle cache).',
  );
  say();
  say(codeText.text);
  say();
  say('## 8. The deliberately slow step: password KDF and sign-in (not part of any token request)');
  say();
  say(kdfSection(codePart.kdf, codePart.signIn));
  say();
  say(`Sections 7 and 8 took ${codeSeconds.toFixed(1)} s of the run.`);
  say();
  say('## 9. Signing modes per function instance (the production signers over the KMS protocol fake)');
  say();
  say(signingModesSection(signingModes));
  say();
  say('## 10. Authorizer: the revocation check per request');
  say();
  say(authorizerSection(authorizer));
  say();
  say('## 11. Admin console (headless Chromium, local server in memory)');
  say();
  say(consoleSection(consoleResult, failures));
  say();
  say(`Load average at end: ${host.loadAverageEnd.join(' ')}. Bench duration: ${durationSeconds.toFixed(1)} s.`);

  const record = {
    startedAt: started.toISOString(),
    durationSeconds,
    machine: host,
    settings: {
      load: LOAD,
      handler: HANDLER,
      initRuns: INIT_RUNS,
      signRateMs: SIGN_RATE_MS,
      codeExchange: { ...CODE, algs: CODE_ALGS },
      kdfRounds: KDF_ROUNDS,
      signInRounds: SIGN_IN_ROUNDS,
    },
    http,
    ratios: { ...httpText.ratios, ...codeText.ratios },
    codeExchange: codePart.code,
    codeSeconds,
    kdf: codePart.kdf,
    signIn: codePart.signIn,
    handler,
    bundles,
    signRates,
    signGap: sign.gap,
    signingModes,
    authorizer,
    console: consoleResult,
    failures,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(record, null, 2)}\n`;
  const file = path.join(RESULTS_DIR, `${started.toISOString().replace(/:/g, '-')}.json`);
  await writeFile(file, json);
  await writeFile(path.join(RESULTS_DIR, 'latest.json'), json);
  say(`Results: ${path.relative(process.cwd(), file)} (and bench/results/latest.json)`);

  if (failures.length > 0) {
    for (const failure of failures) process.stderr.write(`FAILED: ${failure}\n`);
    process.exitCode = 1;
  }
}

/** Section 10 as a Markdown table. */
function authorizerSection(rows: AuthorizerBenchRow[]): string {
  const us = (v: number) => v.toFixed(0);
  return (
    `\`authorizeRequest\` for one RS256 bearer token, sequential, ${AUTHORIZER.requests} requests per set-up ` +
    '(JWKS cached). Hit: the token status (jti/sid deny entries, client, user) cached in the container; miss: ' +
    'TTL 0, one BatchGetItem per request to dynalite over loopback (on AWS a regional DynamoDB round trip).\n\n' +
    markdownTable(
      ['set-up', 'mean µs', 'p50 µs', 'p99 µs', 'added mean µs', 'DynamoDB calls / request'],
      rows.map((r) => [
        r.variant,
        us(r.meanUs),
        us(r.p50Us),
        us(r.p99Us),
        us(r.addedMeanUs),
        String(r.dynamoCallsPerRequest),
      ]),
    )
  );
}

async function authorizerMain(): Promise<void> {
  say('## 10. Authorizer: the revocation check per request');
  say();
  say(authorizerSection(await benchAuthorizer(AUTHORIZER)));
}

(AUTHORIZER_ONLY ? authorizerMain() : CONSOLE_ONLY ? consoleMain() : SMOKE || CODE_ONLY ? smokeMain() : main()).catch(
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
