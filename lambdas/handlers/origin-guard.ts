/**
 * The origin check of stages behind CloudFront + WAF: CloudFront adds a secret header on its way to
 * the API, and the token, discovery and admin functions refuse a request without it, so the API's own
 * execute-api host cannot be used to go around the WAF's per-IP limits. Stages without edge protection
 * (no `IDP_ORIGIN_VERIFY_SECRET_ARN`) run without the check.
 */
import { timingSafeEqual } from 'node:crypto';
import { headerValue } from '../domain/http';
import type { HttpApiHandler, HttpApiResult } from './api-gateway';
import { memoiseUntilRejected } from './memoise';
import { ORIGIN_VERIFY_HEADER } from '../domain/endpoints/paths';

/** The header CloudFront sets (lower-case, as API Gateway v2 events carry headers). */
export { ORIGIN_VERIFY_HEADER };

/** The answer to a request that did not come through CloudFront: API Gateway's own 403 shape. */
export const ORIGIN_REFUSED: HttpApiResult = {
  statusCode: 403,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  body: JSON.stringify({ message: 'Forbidden' }),
  isBase64Encoded: false,
};

/**
 * Wraps a handler with the origin check. `loadExpected` reads the expected value once (per cold
 * start); a failed read is retried by the next request, which meanwhile gets `onUnavailable`.
 */
export function originGuard(
  inner: HttpApiHandler,
  loadExpected: () => Promise<string>,
  onUnavailable: (err: unknown) => HttpApiResult,
): HttpApiHandler {
  const expected = memoiseUntilRejected(() => loadExpected().then((value) => Buffer.from(value, 'utf8')));
  return async (event) => {
    let want: Buffer;
    try {
      want = await expected();
    } catch (err) {
      return onUnavailable(err);
    }
    const presented = Buffer.from(headerValue(event.headers, ORIGIN_VERIFY_HEADER) ?? '', 'utf8');
    // Constant time for equal lengths; a length difference says nothing about the value.
    const ok = presented.length === want.length && timingSafeEqual(presented, want);
    return ok ? inner(event) : ORIGIN_REFUSED;
  };
}
