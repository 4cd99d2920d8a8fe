/**
 * Faults at the SDK client under the sign-in function as composed for AWS (test/support/fault-harness.ts):
 * a DynamoDB throttle, 5xx or lost answer at authorize or at the sign-in POST is a 503 HTML page with
 * `Retry-After: 1` and the pages' security headers, never a 500 and never a stack; the table holds what
 * it held before. A refusal (AccessDenied) is a logged 500 page. (docs/contract.md, "People".)
 */
import { composeSignInDeps } from '../../lambdas/handlers/compose/sign-in';
import { makeHandler as makeSignInHandler } from '../../lambdas/handlers/sign-in-handler';
import type { FaultHarness } from '../support/fault-harness';
import { answerOf, httpEvent, startFaultHarness } from '../support/fault-harness';
import { sdkFaults } from '../support/faulty-client';
import type { SdkFault } from '../support/faulty-client';

const { dynamodb } = sdkFaults;
const TRANSIENT: SdkFault[] = [
  dynamodb.provisionedThroughputExceeded,
  dynamodb.throttling,
  dynamodb.internal,
  dynamodb.timeout,
  dynamodb.reset,
];
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let h: FaultHarness;
let handle: ReturnType<typeof makeSignInHandler>;

beforeAll(async () => {
  h = await startFaultHarness('serverless-idp-sign-in-faults');
  handle = makeSignInHandler(await composeSignInDeps(h.vars, h.sdk));
}, 60_000);
afterAll(async () => h.close());
afterEach(() => h.resetFaults());

function authorize() {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: 'https://app.example.com/cb',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  });
  return handle(httpEvent('GET', `/oauth2/authorize?${query.toString()}`));
}

function expectUnavailablePage(answer: ReturnType<typeof answerOf>): void {
  expect(answer.status).toBe(503);
  expect(answer.headers).toMatchObject({
    'Content-Type': 'text/html;charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Retry-After': '1',
  });
  expect(answer.text).toContain('Try again in a moment');
  expect(answer.text).not.toMatch(/Exception|Error:|\bat \S+ \(/);
}

describe('sign-in function under SDK faults', () => {
  it.each(TRANSIENT.map((fault) => [fault.name, fault] as const))(
    'authorize reading the client: %s → 503 page with Retry-After, table unchanged',
    async (_name, fault) => {
      const before = await h.scan();
      h.faulty.dynamodb.fail({ fault, commands: ['QueryCommand', 'GetCommand'] });
      expectUnavailablePage(answerOf(await authorize()));
      expect(await h.scan()).toEqual(before);
    },
  );

  it('a sign-in POST whose store write fails is a 503 page, never a 500', async () => {
    h.faulty.dynamodb.fail({ fault: dynamodb.throttling, commands: ['GetCommand', 'QueryCommand', 'PutCommand'] });
    const answer = answerOf(
      await handle(
        httpEvent(
          'POST',
          '/oauth2/sign-in',
          { 'content-type': 'application/x-www-form-urlencoded', cookie: `idp_browser=${'b'.repeat(43)}` },
          new URLSearchParams({
            request: 'r'.repeat(43),
            csrf_token: 'c'.repeat(43),
            username: 'ada',
            password: 'x',
          }).toString(),
        ),
      ),
    );
    expectUnavailablePage(answer);
  });

  it('a refusal (AccessDenied) is a 500 page, not a 503', async () => {
    h.faulty.dynamodb.fail({ fault: dynamodb.accessDenied, commands: ['QueryCommand', 'GetCommand'] });
    const answer = answerOf(await authorize());
    expect(answer.status).toBe(500);
    expect(answer.headers['Content-Type']).toBe('text/html;charset=utf-8');
    expect(answer.headers['Retry-After']).toBeUndefined();
  });
});
