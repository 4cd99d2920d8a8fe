/**
 * SigV4 verification for the embedded DynamoDB's loopback front (AWS Signature Version 4, "Create a
 * signed AWS API request"): the front answers only requests signed with the credential generated at
 * its start, so another local user who points a DynamoDB client at the port gets a refusal, whatever
 * credentials they try.
 *
 * Scope: what the AWS SDK sends to DynamoDB, an `Authorization: AWS4-HMAC-SHA256 …` header on a POST
 * to `/` without a query. The signature must cover `host`, `x-amz-date` and `x-amz-target` (so the
 * operation cannot be swapped) and the payload hash is always computed from the body received (a
 * `x-amz-content-sha256` header, when signed, must agree with it). Refusals answer as DynamoDB does:
 * 400 with `MissingAuthenticationTokenException`, `UnrecognizedClientException` (unknown access key
 * id), `InvalidSignatureException` (wrong signature, expired date) or `IncompleteSignatureException`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A static AWS credential, as the SDK's `credentials` option takes it. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request as the front received it. */
export interface ReceivedRequest {
  method: string;
  /** The request target (path and query), e.g. `/`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body: the payload hash is taken over these bytes. */
  body: Buffer;
}

/** Why a request is refused: an HTTP status and a DynamoDB error type and message. */
export interface SignatureRefusal {
  status: number;
  type: string;
  message: string;
}

/** How far `x-amz-date` may be from the front's clock, as AWS allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const REQUIRED_SIGNED_HEADERS = ['host', 'x-amz-date', 'x-amz-target'];
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * A credential for one start: an access key id and secret drawn from the OS's random source, never
 * written anywhere. A client that knows them is the process that started the front.
 */
export function randomLocalCredentials(): LocalCredentials {
  return {
    accessKeyId: `LOCAL${randomBytes(10).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}

/**
 * Checks the request's SigV4 signature against `credentials` for `region` and service `dynamodb`.
 * Undefined when the signature is valid, else the refusal to send.
 */
export function verifyRequestSignature(
  request: ReceivedRequest,
  credentials: LocalCredentials,
  region: string,
  now: number = Date.now(),
): SignatureRefusal | undefined {
  const authorization = single(request.headers.authorization);
  if (authorization === undefined) {
    return refusal('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  const match = AUTHORIZATION.exec(authorization.trim());
  if (match === null) return refusal('IncompleteSignatureException', 'The Authorization header is not SigV4');
  const [, accessKeyId, shortDate, scopeRegion, scopeService, signedHeaderList, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!equalStrings(accessKeyId, credentials.accessKeyId)) {
    return refusal('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const signedHeaders = signedHeaderList.split(';');
  const missing = REQUIRED_SIGNED_HEADERS.filter((name) => !signedHeaders.includes(name));
  if (missing.length > 0) return invalid(`the signature must cover ${missing.join(', ')}`);
  const longDate = single(request.headers['x-amz-date']) ?? '';
  const signedAt = parseLongDate(longDate);
  if (signedAt === undefined || longDate.slice(0, 8) !== shortDate) return invalid('bad X-Amz-Date');
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) return invalid(`Signature expired: ${longDate}`);
  if (scopeRegion !== region || scopeService !== 'dynamodb') return invalid('wrong credential scope');
  if (request.method !== 'POST' || request.url !== '/') return invalid('only POST / is served');

  const payloadHash = sha256Hex(request.body);
  const declaredHash = single(request.headers['x-amz-content-sha256']);
  if (declaredHash !== undefined && declaredHash !== payloadHash) return invalid('x-amz-content-sha256 mismatch');
  const canonicalHeaders: string[] = [];
  for (const name of signedHeaders) {
    const value = single(request.headers[name]);
    if (value === undefined) return invalid(`signed header ${name} is missing`);
    canonicalHeaders.push(`${name}:${value.trim().replace(/\s+/g, ' ')}\n`);
  }
  const canonicalRequest = ['POST', '/', '', canonicalHeaders.join(''), signedHeaderList, payloadHash].join('\n');
  const scope = `${shortDate}/${region}/dynamodb/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', longDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, shortDate);
  for (const part of [region, 'dynamodb', 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  if (!equalStrings(signature, expected)) {
    return invalid('The request signature we calculated does not match the signature you provided.');
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** `YYYYMMDDTHHMMSSZ` to epoch milliseconds. */
function parseLongDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isNaN(time) ? undefined : time;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Constant-time comparison (for equal lengths; lengths are not secret). */
function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function refusal(type: string, message: string): SignatureRefusal {
  return { status: 400, type: `com.amazon.coral.service#${type}`, message };
}

function invalid(message: string): SignatureRefusal {
  return refusal('InvalidSignatureException', message);
}
