/**
 * The origin check behind CloudFront: only requests carrying CloudFront's secret header reach the
 * handler; the expected value is read once, and a failed read is retried by the next request.
 */
import type { HttpApiEvent, HttpApiResult } from '../../../lambdas/handlers/api-gateway';
import { ORIGIN_REFUSED, ORIGIN_VERIFY_HEADER, originGuard } from '../../../lambdas/handlers/origin-guard';

const SECRET = 'c'.repeat(48);
const OK: HttpApiResult = { statusCode: 200, body: 'ok' };
const UNAVAILABLE: HttpApiResult = { statusCode: 503, body: 'later' };

function event(headers: Record<string, string>): HttpApiEvent {
  return {
    rawPath: '/oauth2/token',
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'POST' } },
  } as HttpApiEvent;
}

describe('originGuard', () => {
  it('passes requests with the header, refuses the rest with API Gateway’s 403, reading the value once', async () => {
    let loads = 0;
    const reached: HttpApiEvent[] = [];
    const guarded = originGuard(
      async (e) => {
        reached.push(e);
        return OK;
      },
      async () => {
        loads += 1;
        return SECRET;
      },
      () => UNAVAILABLE,
    );
    expect(await guarded(event({ [ORIGIN_VERIFY_HEADER]: SECRET }))).toBe(OK);
    expect(await guarded(event({ 'X-Origin-Verify': SECRET }))).toBe(OK);
    expect(await guarded(event({}))).toEqual({
      statusCode: 403,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      body: '{"message":"Forbidden"}',
      isBase64Encoded: false,
    });
    expect(await guarded(event({ [ORIGIN_VERIFY_HEADER]: `${SECRET}x` }))).toBe(ORIGIN_REFUSED);
    expect(await guarded(event({ [ORIGIN_VERIFY_HEADER]: 'd'.repeat(48) }))).toBe(ORIGIN_REFUSED);
    expect(reached).toHaveLength(2);
    expect(loads).toBe(1);
  });

  it('answers unavailable while the value cannot be read, and reads again on the next request', async () => {
    let fail = true;
    const guarded = originGuard(
      async () => OK,
      async () => {
        if (fail) throw new Error('secrets manager down');
        return SECRET;
      },
      () => UNAVAILABLE,
    );
    expect(await guarded(event({ [ORIGIN_VERIFY_HEADER]: SECRET }))).toBe(UNAVAILABLE);
    fail = false;
    expect(await guarded(event({ [ORIGIN_VERIFY_HEADER]: SECRET }))).toBe(OK);
  });
});
