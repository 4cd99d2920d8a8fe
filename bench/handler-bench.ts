/**
 * The token handler without HTTP: `makeHandler(deps)` from lambdas/handlers/token-handler.ts called
 * with API Gateway v2 events, N calls in flight, in this process (after the HTTP runs, so nothing else
 * runs here). Dependencies are the local runtime's (startLocalIdp, in memory: dynalite, node:crypto
 * signer, HMAC hasher); variants swap one dependency at a time so the differences show where the time
 * goes:
 *
 * - full: one strongly consistent Query per request through the SDK to dynalite (as on AWS, where it
 *   is DynamoDB) + local signer;
 * - in-memory store: the client bundle returned from memory → full minus this = DynamoDB (SDK + dynalite);
 * - in-memory store + null signer (a constant signature) → the difference = signing; what remains is
 *   parsing, HMAC authentication, scope resolution, claims and JSON;
 * - local-server: what `npm start` runs (the write-invalidated bundle cache in front of dynalite).
 *
 * Plus each step alone, and authorizer-side verification throughput of the tokens issued here.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import { AccessTokenVerifier } from '../lambdas/adapters/access-token-verifier';
import type { ClientBundle } from '../lambdas/domain/model';
import type { SigningAlgorithm, TokenPathReads, TokenSigner } from '../lambdas/domain/ports';
import { silentLogger, tokenPathReads } from '../lambdas/domain/ports';
import type { TokenEndpointDeps } from '../lambdas/domain/endpoints/token-endpoint';
import { parseTokenRequest } from '../lambdas/domain/endpoints/token-request';
import { toHttpRequest } from '../lambdas/handlers/api-gateway';
import type { HttpApiResult } from '../lambdas/handlers/api-gateway';
import { makeHandler } from '../lambdas/handlers/token-handler';
import { startLocalIdp } from '../lambdas/local/local-idp';
import type { ClientCredentialsFixture } from './fixtures';
import { RESOURCE, TOKEN_TTL, seedBenchClient, tokenRequestEvent } from './fixtures';
import type { LoopResult } from './measure';
import { concurrentLoop, rateLoop } from './measure';

export interface HandlerSettings {
  concurrency: number;
  /** Rounds over all variants; each metric is the median over the rounds. */
  rounds: number;
  /** Measured window of one variant in one round. */
  durationMs: number;
  warmupMs: number;
  /** Duration of each single-step rate loop. */
  stepMs: number;
}

export type HandlerVariant = 'full' | 'memory-store' | 'memory-store+null-signer' | 'token-reuse' | 'local-server';

export interface HandlerRow extends LoopResult {
  alg: SigningAlgorithm;
  variant: HandlerVariant;
  /** Signer calls per handled request in the measured window. */
  signCallsPerRequest: number;
}

export interface Breakdown {
  alg: SigningAlgorithm;
  /** CPU microseconds per request, from the variants' differences. */
  totalUs: number;
  dynamoDbUs: number;
  signingUs: number;
  parseAuthAndRestUs: number;
  /** Each step alone, CPU microseconds per operation. */
  steps: { parseUs: number; hmacUs: number; signUs: number; loadClientBundleUs: number };
}

export interface VerifyRow {
  alg: SigningAlgorithm;
  verifier: string;
  perSecond: number;
  usPerVerify: number;
  /** CPU microseconds per verification. */
  cpuUsPerVerify: number;
  p50: number;
  p99: number;
}

export interface HandlerBenchResult {
  rows: HandlerRow[];
  breakdowns: Breakdown[];
  verify: VerifyRow[];
}

const ok = (result: HttpApiResult) => result.statusCode === 200;

function countingSigner(inner: TokenSigner, counter: { calls: number }): TokenSigner {
  return {
    alg: inner.alg,
    kid: inner.kid,
    sign: (input) => {
      counter.calls += 1;
      return inner.sign(input);
    },
  };
}

/** A signer that returns a constant signature of the right length: what is left is everything else. */
function nullSigner(inner: TokenSigner): TokenSigner {
  const signature = new Uint8Array(inner.alg === 'RS256' ? 256 : 64).fill(7);
  return { alg: inner.alg, kid: inner.kid, sign: () => Promise.resolve(signature) };
}

function memoryStore(bundle: ClientBundle): TokenPathReads {
  return { loadClientBundle: () => Promise.resolve(bundle), apiExists: () => Promise.resolve(true) };
}

interface PreparedVariant {
  variant: HandlerVariant;
  run: () => Promise<HttpApiResult>;
  counter: { calls: number; requests: number };
}

function prepare(
  variant: HandlerVariant,
  deps: TokenEndpointDeps,
  credentials: ClientCredentialsFixture,
): PreparedVariant {
  const counter = { calls: 0, requests: 0 };
  const handler = makeHandler({ ...deps, signer: countingSigner(deps.signer, counter) });
  const event = tokenRequestEvent(credentials);
  return {
    variant,
    counter,
    run: () => {
      counter.requests += 1;
      return handler(event);
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs the variants in interleaved rounds (so a burst of load from other processes hits all of them
 * alike) and keeps the median of each metric over the rounds.
 */
async function measureVariants(
  alg: SigningAlgorithm,
  variants: PreparedVariant[],
  settings: HandlerSettings,
): Promise<HandlerRow[]> {
  const rounds = new Map<HandlerVariant, (LoopResult & { signCallsPerRequest: number })[]>();
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const v of variants) {
      const result = await concurrentLoop(v.run, {
        concurrency: settings.concurrency,
        durationMs: settings.durationMs,
        warmupMs: round === 0 ? settings.warmupMs : settings.warmupMs / 4,
        ok,
        beforeWindow: () => {
          v.counter.calls = 0;
          v.counter.requests = 0;
        },
      });
      const list = rounds.get(v.variant) ?? [];
      list.push({ ...result, signCallsPerRequest: v.counter.calls / v.counter.requests });
      rounds.set(v.variant, list);
    }
  }
  return variants.map(({ variant }) => {
    const list = rounds.get(variant)!;
    const pick = (key: keyof LoopResult | 'signCallsPerRequest') => median(list.map((r) => r[key]));
    return {
      alg,
      variant,
      calls: list.reduce((sum, r) => sum + r.calls, 0),
      perSecond: pick('perSecond'),
      p50: pick('p50'),
      p99: pick('p99'),
      usPerCall: pick('usPerCall'),
      cpuUsPerCall: pick('cpuUsPerCall'),
      failures: list.reduce((sum, r) => sum + r.failures, 0),
      signCallsPerRequest: pick('signCallsPerRequest'),
    };
  });
}

/** A realistic JWS signing input (`header.payload` of a token we issued). */
function signingInputOf(token: string): Uint8Array {
  return Buffer.from(token.slice(0, token.lastIndexOf('.')), 'ascii');
}

async function issueTokens(
  deps: TokenEndpointDeps,
  credentials: ClientCredentialsFixture,
  n: number,
): Promise<string[]> {
  const handler = makeHandler(deps);
  const event = tokenRequestEvent(credentials);
  const tokens: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const result = await handler(event);
    if (result.statusCode !== 200) throw new Error(`token handler answered ${result.statusCode}: ${result.body}`);
    tokens.push((JSON.parse(result.body ?? '{}') as { access_token: string }).access_token);
  }
  return tokens;
}

async function benchVerifiers(
  alg: SigningAlgorithm,
  issuer: string,
  jwks: { keys: object[] },
  tokens: string[],
  settings: HandlerSettings,
): Promise<VerifyRow[]> {
  const project = new AccessTokenVerifier({ issuer, audience: RESOURCE, jwks });
  const plain = JwtVerifier.create({ issuer, audience: RESOURCE, jwksUri: `${issuer}/.well-known/jwks.json` });
  plain.cacheJwks(jwks as Parameters<typeof plain.cacheJwks>[0]);
  const rows: VerifyRow[] = [];
  for (const [name, verify] of [
    ['aws-jwt-verify JwtVerifier (cached JWKS)', (token: string) => plain.verify(token)],
    ['AccessTokenVerifier (+ RFC 9068 / RFC 8725 checks)', (token: string) => project.verify(token)],
  ] as const) {
    let i = 0;
    const result = await concurrentLoop(
      async () => {
        i = (i + 1) % tokens.length;
        await verify(tokens[i]!);
        return true;
      },
      { concurrency: 1, durationMs: settings.stepMs, warmupMs: settings.warmupMs, ok: (value) => value },
    );
    if (result.failures > 0) throw new Error(`${name}: ${result.failures} tokens failed to verify`);
    rows.push({
      alg,
      verifier: name,
      perSecond: result.perSecond,
      usPerVerify: result.usPerCall,
      cpuUsPerVerify: result.cpuUsPerCall,
      p50: result.p50,
      p99: result.p99,
    });
  }
  return rows;
}

async function benchAlg(alg: SigningAlgorithm, settings: HandlerSettings): Promise<HandlerBenchResult> {
  const idp = await startLocalIdp(
    { port: 0, host: '127.0.0.1', alg, defaultAccessTokenTtl: TOKEN_TTL },
    { logger: silentLogger },
  );
  try {
    const credentials = await seedBenchClient(idp);
    const reuseCredentials = await seedBenchClient(idp, { tokenReuse: true, createApi: false });
    const deps = idp.tokenDeps;
    const bundle = await idp.repositories.clients.loadClientBundle(credentials.clientId);
    if (bundle === undefined) throw new Error('the bench client was not stored');

    const inMemory = { ...deps, store: memoryStore(bundle) };
    const rows = await measureVariants(
      alg,
      [
        prepare(
          'full',
          { ...deps, store: tokenPathReads(idp.repositories.clients, idp.repositories.apis) },
          credentials,
        ),
        prepare('memory-store', inMemory, credentials),
        prepare('memory-store+null-signer', { ...inMemory, signer: nullSigner(deps.signer) }, credentials),
        prepare('token-reuse', deps, reuseCredentials),
        prepare('local-server', deps, credentials),
      ],
      settings,
    );
    for (const row of rows) {
      if (row.failures > 0) throw new Error(`handler ${alg} ${row.variant}: ${row.failures} calls did not answer 200`);
    }

    // Each step alone.
    const tokens = await issueTokens(deps, credentials, 200);
    const input = signingInputOf(tokens[0]!);
    const request = toHttpRequest(tokenRequestEvent(credentials));
    const parse = rateLoop(() => parseTokenRequest(request), settings.stepMs);
    const hmac = rateLoop(() => deps.hasher.hash(credentials.clientSecret), settings.stepMs);
    const sign = await concurrentLoop(() => deps.signer.sign(input), {
      concurrency: 1,
      durationMs: settings.stepMs,
      warmupMs: settings.warmupMs,
      ok: () => true,
    });
    const load = await concurrentLoop(() => idp.repositories.clients.loadClientBundle(credentials.clientId), {
      concurrency: settings.concurrency,
      durationMs: settings.stepMs,
      warmupMs: settings.warmupMs,
      ok: (value) => value !== undefined,
    });

    const [full, memory, bare] = rows;
    const breakdown: Breakdown = {
      alg,
      totalUs: full!.cpuUsPerCall,
      dynamoDbUs: full!.cpuUsPerCall - memory!.cpuUsPerCall,
      signingUs: memory!.cpuUsPerCall - bare!.cpuUsPerCall,
      parseAuthAndRestUs: bare!.cpuUsPerCall,
      steps: {
        parseUs: parse.cpuUsPerOp,
        hmacUs: hmac.cpuUsPerOp,
        signUs: sign.cpuUsPerCall,
        loadClientBundleUs: load.cpuUsPerCall,
      },
    };

    const served = (await (await fetch(`${idp.url}/.well-known/jwks.json`)).json()) as { keys: object[] };
    const verify = await benchVerifiers(alg, idp.issuer, served, tokens, settings);
    return { rows, breakdowns: [breakdown], verify };
  } finally {
    await idp.stop();
  }
}

export async function benchHandlers(algs: SigningAlgorithm[], settings: HandlerSettings): Promise<HandlerBenchResult> {
  const all: HandlerBenchResult = { rows: [], breakdowns: [], verify: [] };
  for (const alg of algs) {
    const result = await benchAlg(alg, settings);
    all.rows.push(...result.rows);
    all.breakdowns.push(...result.breakdowns);
    all.verify.push(...result.verify);
  }
  return all;
}
