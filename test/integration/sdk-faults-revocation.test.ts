/**
 * Revocation (RFC 7009) and introspection (RFC 7662) under DynamoDB faults, on the token function as
 * composed for AWS (test/support/fault-harness.ts: real adapters over dynalite, the KMS fake): a
 * revocation that could not be stored is 503 `temporarily_unavailable` with `Retry-After` — never a
 * 200 for a token that stays valid — and counts one `RevocationsFailed`; a refusal is a 500; a retry
 * then revokes. Introspection that cannot read the deny-list is a 503, never `{"active":false}`.
 */
import { composeDiscoveryDeps } from '../../lambdas/handlers/compose/discovery';
import { composeTokenFunctionDeps } from '../../lambdas/handlers/compose/token';
import { makeTokenFunctionHandler } from '../../lambdas/handlers/token-handler';
import type { RevocationOutcome } from '../../lambdas/domain/endpoints/revocation-endpoint';
import { denyKey } from '../../lambdas/adapters/dynamodb-revocation-repository';
import type { FaultHarness } from '../support/fault-harness';
import { answerOf, capturingLogger, httpEvent, startFaultHarness } from '../support/fault-harness';
import { sdkFaults } from '../support/faulty-client';
import { newRefreshSessionId, newRefreshToken } from '../../lambdas/domain/people/refresh-tokens';

const { dynamodb } = sdkFaults;
const OAUTH_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};
const UNAVAILABLE = {
  status: 503,
  headers: { ...OAUTH_HEADERS, 'Retry-After': '1' },
  text: '{"error":"temporarily_unavailable","error_description":"the service is temporarily unavailable, retry later"}',
};

let h: FaultHarness;
beforeAll(async () => {
  h = await startFaultHarness('serverless-idp-revocation-faults');
  // The token function verifies presented tokens against the JWKS; preload it as IDP_JWKS may.
  const keys = await (await composeDiscoveryDeps(h.vars, h.plain)).keySource.publicJwks();
  h.vars = { ...h.vars, IDP_JWKS: JSON.stringify({ keys }) };
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.resetFaults());

const basic = () =>
  `Basic ${Buffer.from(`${encodeURIComponent(h.bootstrap.clientId)}:${encodeURIComponent(h.bootstrap.clientSecret)}`).toString('base64')}`;
const form = () => ({ 'content-type': 'application/x-www-form-urlencoded', authorization: basic() });

async function tokenFunction() {
  const logger = capturingLogger();
  const outcomes: RevocationOutcome[] = [];
  const deps = await composeTokenFunctionDeps(h.vars, h.sdk);
  const handler = makeTokenFunctionHandler({
    token: { ...deps.token, logger, observe: undefined },
    revocation: { ...deps.revocation, logger, observe: (outcome) => outcomes.push(outcome) },
    introspection: { ...deps.introspection, logger },
  });
  const call = async (path: string, body: string) => answerOf(await handler(httpEvent('POST', path, form(), body)));
  const accessToken = async () =>
    call('/oauth2/token', 'grant_type=client_credentials&scope=admin%3Aread').then(
      (a) => (a.body as { access_token: string }).access_token,
    );
  return { call, accessToken, logger, outcomes };
}

const jtiOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
const denied = async (jwt: string) =>
  (await h.scan()).some((item) => item['pk'] === denyKey(jtiOf(jwt))['pk'] && item['sk'] === 'DENY');

describe('revocation endpoint under DynamoDB faults', () => {
  it('healthy: 200, empty body; one Query (the client) and one PutItem (the deny entry, ttl = exp)', async () => {
    const { call, accessToken, outcomes } = await tokenFunction();
    const at = await accessToken();
    h.faulty.dynamodb.reset();
    const answer = await call('/oauth2/revoke', `token=${at}`);
    expect(answer).toEqual({
      status: 200,
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      text: '',
      body: undefined,
    });
    expect(h.faulty.dynamodb.calls).toEqual({ QueryCommand: 1, PutCommand: 1 });
    const exp = (JSON.parse(Buffer.from(at.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    const item = (await h.scan()).find((i) => i['pk'] === `DENY#${jtiOf(at)}`);
    expect(item).toMatchObject({ sk: 'DENY', jti: jtiOf(at), exp, ttl: exp });
    expect(outcomes.at(-1)).toEqual({ outcome: 'revoked', tokenType: 'access_token', clientId: h.bootstrap.clientId });
  });

  it.each(
    [dynamodb.provisionedThroughputExceeded, dynamodb.throttling, dynamodb.internal, dynamodb.timeout].map((f) => [
      f.name,
      f,
    ]),
  )(
    'the deny-list write fails (%s) → 503 with Retry-After, not revoked, RevocationsFailed; the retry revokes',
    async (_, fault) => {
      const { call, accessToken, logger, outcomes } = await tokenFunction();
      const at = await accessToken();
      h.faulty.dynamodb.fail({ fault, commands: ['PutCommand'] });
      const answer = await call('/oauth2/revoke', `token=${at}`);
      expect(answer).toEqual({ ...UNAVAILABLE, body: JSON.parse(UNAVAILABLE.text) });
      expect(await denied(at)).toBe(false);
      expect(outcomes).toEqual([{ outcome: 'failed', error: 'temporarily_unavailable' }]);
      expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
        ['warn', 'revocation failed: dependency unavailable'],
      ]);
      expect((await call('/oauth2/revoke', `token=${at}`)).status).toBe(200);
      expect(await denied(at)).toBe(true);
    },
  );

  it('the client read fails → 503; a refusal (AccessDenied) on the write → 500 server_error; never 200', async () => {
    const { call, accessToken, outcomes } = await tokenFunction();
    const at = await accessToken();
    h.faulty.dynamodb.fail({ fault: dynamodb.throttling, commands: ['QueryCommand'] });
    expect((await call('/oauth2/revoke', `token=${at}`)).status).toBe(503);
    h.faulty.dynamodb.fail({ fault: dynamodb.accessDenied, commands: ['PutCommand'] });
    const refused = await call('/oauth2/revoke', `token=${at}`);
    expect(refused).toEqual({
      status: 500,
      headers: OAUTH_HEADERS,
      text: '{"error":"server_error","error_description":"internal server error"}',
      body: { error: 'server_error', error_description: 'internal server error' },
    });
    expect(await denied(at)).toBe(false);
    expect(outcomes).toEqual([
      { outcome: 'failed', error: 'temporarily_unavailable' },
      { outcome: 'failed', error: 'server_error' },
    ]);
  });
});

describe('revoking a refresh token under DynamoDB faults', () => {
  it('the session transaction fails → 503, the session stays live; the retry revokes it and denies its sid', async () => {
    const { call, outcomes } = await tokenFunction();
    const sessionId = newRefreshSessionId();
    const { token, digest } = newRefreshToken(sessionId);
    const now = Date.now();
    const at = new Date(now).toISOString();
    await h.dynamo.users.createUser({
      userId: 'u-faults',
      username: 'faults',
      status: 'enabled',
      createdAt: at,
      updatedAt: at,
      version: 1,
      failedSignIns: 0,
    });
    await h.dynamo.sessions.createSession({
      sessionId,
      userId: 'u-faults',
      user: { userId: 'u-faults', username: 'faults' },
      clientId: h.bootstrap.clientId,
      scopes: ['admin:read'],
      authTime: Math.floor(now / 1000),
      createdAt: new Date(now).toISOString(),
      lastUsedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 86_400_000).toISOString(),
      currentDigest: digest,
      consumedDigests: [],
    });
    h.faulty.dynamodb.fail({ fault: dynamodb.internal, commands: ['TransactWriteCommand'] });
    expect(await call('/oauth2/revoke', `token=${token}`)).toEqual({
      ...UNAVAILABLE,
      body: JSON.parse(UNAVAILABLE.text),
    });
    expect((await h.dynamo.sessions.findSession(sessionId))?.revokedAt).toBeUndefined();
    expect(await h.dynamo.revocations.isSessionDenied(sessionId)).toBe(false);
    expect(outcomes).toEqual([{ outcome: 'failed', error: 'temporarily_unavailable' }]);
    expect((await call('/oauth2/revoke', `token=${token}`)).status).toBe(200);
    expect((await h.dynamo.sessions.findSession(sessionId))?.revokedReason).toBe('token-revoked');
    expect(await h.dynamo.revocations.isSessionDenied(sessionId)).toBe(true);
  });
});

describe('introspection endpoint under DynamoDB faults', () => {
  it('the deny-list read fails → 503, never {"active":false}', async () => {
    const { call, accessToken } = await tokenFunction();
    const at = await accessToken();
    expect((await call('/oauth2/introspect', `token=${at}`)).body).toMatchObject({ active: true });
    h.faulty.dynamodb.fail({ fault: dynamodb.internal, commands: ['GetCommand'] });
    expect(await call('/oauth2/introspect', `token=${at}`)).toEqual({
      ...UNAVAILABLE,
      body: JSON.parse(UNAVAILABLE.text),
    });
  });
});
