/**
 * Measures, for the cost model (bench/cost-model.ts), the bytes one token request puts on the wire and
 * in CloudWatch Logs: the local IdP (lambdas/local/local-idp.ts) runs in this process on its embedded
 * table with the bench client (bench/fixtures.ts), and N token requests go to it over a raw socket.
 *
 * Measured, per request:
 * - the HTTP/1.1 request and response exactly as sent and received (request line or status line,
 *   headers, body);
 * - what the token handler logs through the logger, formatted by the same Powertools Logger the token
 *   function uses on AWS (lambdas/handlers/compose/observability.ts), with a Lambda context added;
 * - the EMF record the token function flushes once per invocation (lambdas/adapters/token-metrics.ts
 *   through a Powertools `Metrics`, exactly as lambdas/handlers/compose/token.ts wires it).
 *
 * Constructed (the local server has no such lines), from their documented shapes with realistic
 * values, stated in {@link platformLogLines} and {@link accessLogLine}:
 * - the HTTP API access-log line of lib/http-api.ts (`credentialFreeAccessLogFormat`);
 * - Lambda's JSON system log records per invocation (`platform.start`, `platform.report`: the
 *   functions use the JSON log format with the default INFO system log level, lib/function-defaults.ts)
 *   and per cold start (`platform.initStart`, `platform.initReport`);
 * - the headers API Gateway and CloudFront add to the response, and CloudFront to the origin request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { tokenMetricsObserver } from '../lambdas/adapters/token-metrics';
import type { Logger, SigningAlgorithm } from '../lambdas/domain/ports';
import { startLocalIdp } from '../lambdas/local/local-idp';
import { credentialFreeAccessLogFormat } from '../lib/http-api';
import { TOKEN_PATH, TOKEN_TTL, seedBenchClient, tokenRequestBody, tokenRequestHeaders } from './fixtures';

/** Per token request, bytes (means over the measured requests; the shapes do not vary between them). */
export interface MeasuredBytes {
  /** Token requests measured. */
  requests: number;
  /** Of them, answered 200. */
  ok: number;
  /** The HTTP/1.1 request as the client sent it. */
  requestBytes: number;
  /** The local server's HTTP/1.1 response: status line, headers, body. */
  responseBytes: number;
  /** Of it, the body (the token response JSON). */
  responseBodyBytes: number;
  /** Application log lines per request (through the logger) and their bytes. */
  appLogLines: number;
  appLogBytes: number;
  /** The EMF record per invocation. */
  emfBytes: number;
  /** The HTTP API access-log line. */
  accessLogBytes: number;
  /** Lambda system records per invocation (`platform.start` + `platform.report`): lines and bytes. */
  platformLines: number;
  platformBytes: number;
  /** Lambda system records per cold start (`platform.initStart` + `platform.initReport`). */
  coldStartLines: number;
  coldStartBytes: number;
  /** Headers API Gateway and CloudFront add to the response on its way to the viewer. */
  edgeResponseHeaderBytes: number;
  /** Headers CloudFront adds to the request on its way to the origin. */
  edgeOriginHeaderBytes: number;
}

const ISSUER_HOST = 'idp.example.com';
const FUNCTION_NAME = 'serverless-idp-prod-api-TokenFunction8E7D2A41-Q3kX9mB2nL7p';

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** An X-Ray trace header as Lambda reports it (root, parent, sampling decision, lineage). */
function traceHeader(): string {
  return `Root=1-${hex(4)}-${hex(12)};Parent=${hex(8)};Sampled=0;Lineage=1:${hex(4)}:0`;
}

/** An HTTP API request id (16 characters, base64-like, as `$context.requestId` prints it). */
function apiRequestId(): string {
  return randomBytes(12).toString('base64').slice(0, 15) + '=';
}

/**
 * The HTTP API access-log line (lib/http-api.ts) of one token request: every `$context` variable
 * replaced by a realistic value; API Gateway writes `-` for the empty ones (no integration error, no
 * authorizer on the token route).
 */
export function accessLogLine(responseBodyBytes: number): string {
  const values: Record<string, string> = {
    '$context.requestId': apiRequestId(),
    '$context.identity.sourceIp': '203.0.113.10',
    '$context.requestTime': '23/Nov/2026:08:44:12 +0000',
    '$context.routeKey': `POST ${TOKEN_PATH}`,
    '$context.status': '200',
    '$context.protocol': 'HTTP/1.1',
    '$context.responseLength': String(responseBodyBytes),
    '$context.responseLatency': '31',
    '$context.integrationLatency': '28',
    '$context.integrationErrorMessage': '-',
    '$context.authorizer.error': '-',
    '$context.authorizer.clientId': '-',
  };
  const template = credentialFreeAccessLogFormat().toString();
  return template.replace(/\$context\.[A-Za-z.]+/g, (variable) => {
    const value = values[variable];
    if (value === undefined) throw new Error(`no value for ${variable} in the access-log format`);
    return value;
  });
}

/**
 * Lambda's JSON system records (telemetry event shapes) of one warm invocation and of one cold start,
 * with the function's 512 MB, X-Ray active tracing and realistic durations.
 */
export function platformLogLines(memoryMb: number): { invocation: string[]; coldStart: string[] } {
  const requestId = randomUUID();
  const tracing = { spanId: hex(8), type: 'X-Amzn-Trace-Id', value: traceHeader() };
  const time = '2026-11-23T08:44:12.345Z';
  const invocation = [
    { time, type: 'platform.start', record: { requestId, version: '$LATEST', tracing } },
    {
      time: '2026-11-23T08:44:12.373Z',
      type: 'platform.report',
      record: {
        requestId,
        metrics: { durationMs: 27.418, billedDurationMs: 28, memorySizeMB: memoryMb, maxMemoryUsedMB: 121 },
        tracing,
        status: 'success',
      },
    },
  ];
  const coldStart = [
    {
      time,
      type: 'platform.initStart',
      record: {
        initializationType: 'on-demand',
        phase: 'init',
        runtimeVersion: 'nodejs:22.v48',
        runtimeVersionArn: `arn:aws:lambda:us-east-1::runtime:${hex(32)}`,
        functionName: FUNCTION_NAME,
        functionVersion: '$LATEST',
        instanceId: `2026/11/23/[$LATEST]${hex(16)}`,
        instanceMaxMemory: memoryMb * 1024 * 1024,
      },
    },
    {
      time,
      type: 'platform.initReport',
      record: { initializationType: 'on-demand', phase: 'init', status: 'success', metrics: { durationMs: 312.5 } },
    },
  ];
  return { invocation: invocation.map((r) => JSON.stringify(r)), coldStart: coldStart.map((r) => JSON.stringify(r)) };
}

/** Response headers API Gateway (`apigw-requestid`) and CloudFront add on the way to the viewer. */
export function edgeResponseHeaders(): string[] {
  return [
    `apigw-requestid: ${apiRequestId()}`,
    'x-cache: Miss from cloudfront',
    `via: 1.1 ${hex(16)}.cloudfront.net (CloudFront)`,
    'x-amz-cf-pop: IAD89-C1',
    `x-amz-cf-id: ${randomBytes(42).toString('base64url')}==`,
  ];
}

/** Request headers CloudFront adds on the way to the origin (lib/edge-distribution.ts: origin verify). */
export function edgeOriginHeaders(): string[] {
  return [
    `x-origin-verify: ${hex(24)}`,
    `via: 2.0 ${hex(16)}.cloudfront.net (CloudFront)`,
    `x-amz-cf-id: ${randomBytes(42).toString('base64url')}==`,
    'x-forwarded-for: 203.0.113.10',
    'cloudfront-viewer-address: 203.0.113.10:53124',
    'cloudfront-forwarded-proto: https',
  ];
}

/** UTF-8 bytes of header lines on the wire (`name: value\r\n` each). */
function headerLineBytes(lines: string[]): number {
  return lines.reduce((sum, line) => sum + Buffer.byteLength(`${line}\r\n`), 0);
}

/** Sends one raw HTTP/1.1 request and reads the whole response (the server closes the connection). */
function exchange(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.write(request);
  });
}

/** Collects what is written to stdout while `run` runs, instead of printing it. */
async function captureStdout<T>(run: () => Promise<T> | T): Promise<{ value: T; lines: string[] }> {
  const original = process.stdout.write.bind(process.stdout);
  let text = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    const value = await run();
    return { value, lines: text.split('\n').filter((line) => line.length > 0) };
  } finally {
    process.stdout.write = original;
  }
}

function lambdaContext(memoryMb: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `2026/11/23/[$LATEST]${hex(16)}`,
    getRemainingTimeInMillis: () => 9000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Runs the local IdP in this process and issues `requests` token requests (RS256 or ES256, the bench
 * client, token reuse off unless asked), one at a time, measuring each.
 */
export async function measureTokenRequestBytes(options: {
  alg: SigningAlgorithm;
  requests: number;
  memoryMb: number;
  tokenReuse?: boolean;
}): Promise<MeasuredBytes> {
  const powertools = new PowertoolsLogger({ serviceName: 'serverless-idp' });
  powertools.addContext(lambdaContext(options.memoryMb));
  const logger: Logger = {
    info: (message, fields) => powertools.info(message, fields ?? {}),
    warn: (message, fields) => powertools.warn(message, fields ?? {}),
    error: (message, fields) => powertools.error(message, fields ?? {}),
  };
  const metrics = new Metrics({ namespace: 'serverless-idp/prod', serviceName: 'serverless-idp' });
  const recordMetrics = tokenMetricsObserver(metrics);
  const idp = await startLocalIdp(
    {
      port: 0,
      host: '127.0.0.1',
      alg: options.alg,
      issuer: `https://${ISSUER_HOST}`,
      defaultAccessTokenTtl: TOKEN_TTL,
    },
    {
      logger,
      overrideTokenDeps: (deps) => ({
        ...deps,
        observe: async (outcome) => {
          recordMetrics(outcome);
          await deps.observe?.(outcome);
        },
      }),
    },
  );
  try {
    const credentials = await seedBenchClient(idp, { tokenReuse: options.tokenReuse ?? false });
    const body = tokenRequestBody();
    const headers = {
      host: ISSUER_HOST,
      'user-agent': 'okhttp/4.12.0',
      ...tokenRequestHeaders(credentials),
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    const request =
      `POST ${TOKEN_PATH} HTTP/1.1\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `\r\n${body}`;
    const totals = { ok: 0, response: 0, responseBody: 0, appLines: 0, appBytes: 0, emf: 0 };
    for (let i = 0; i < options.requests; i += 1) {
      const { value: response, lines } = await captureStdout(async () => {
        const raw = await exchange(idp.port, request);
        metrics.publishStoredMetrics();
        return raw;
      });
      const text = response.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (text.startsWith('HTTP/1.1 200 ')) totals.ok += 1;
      totals.response += response.length;
      totals.responseBody += response.length - Buffer.byteLength(text.slice(0, split + 4));
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (line.includes('"_aws"')) totals.emf += bytes;
        else {
          totals.appLines += 1;
          totals.appBytes += bytes;
        }
      }
    }
    const n = options.requests;
    const platform = platformLogLines(options.memoryMb);
    const bytesOf = (lines: string[]) => lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    return {
      requests: n,
      ok: totals.ok,
      requestBytes: Buffer.byteLength(request),
      responseBytes: totals.response / n,
      responseBodyBytes: totals.responseBody / n,
      appLogLines: totals.appLines / n,
      appLogBytes: totals.appBytes / n,
      emfBytes: totals.emf / n,
      accessLogBytes: Buffer.byteLength(accessLogLine(Math.round(totals.responseBody / n))),
      platformLines: platform.invocation.length,
      platformBytes: bytesOf(platform.invocation),
      coldStartLines: platform.coldStart.length,
      coldStartBytes: bytesOf(platform.coldStart),
      edgeResponseHeaderBytes: headerLineBytes(edgeResponseHeaders()),
      edgeOriginHeaderBytes: headerLineBytes(edgeOriginHeaders()),
    };
  } finally {
    await idp.stop();
  }
}
