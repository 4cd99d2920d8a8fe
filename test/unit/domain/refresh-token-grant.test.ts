/**
 * The refresh token grant over in-memory fakes (docs/contract.md, Token endpoint › refresh_token):
 * exact RFC 6749 §5.2 bodies for the refusals the e2e test does not reach — expiry (absolute and idle,
 * checked in code against the clock), a revoked session, a confidential client that does not
 * authenticate, a client not registered for the grant — the idle expiry moving on with each use, the
 * reuse outcome the metrics see, and the cost of a refresh counted call by call.
 */
import { decodeJwt } from 'jose';
import { INVALID_REFRESH_TOKEN_DESCRIPTION } from '../../../lambdas/domain/grants/refresh-token-grant';
import type { Client } from '../../../lambdas/domain/model';
import { codeRequest, createCode, seedCodeFixtures } from '../../support/code-flow';
import type { CodeAuth, CodeFixtures } from '../../support/code-flow';
import { basicAuth, tokenRequest, useTokenHarness } from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';
import { oauthError } from '../../support/token-responses';

const INVALID_REFRESH = oauthError(400, 'invalid_grant', INVALID_REFRESH_TOKEN_DESCRIPTION);
const DAY = 86_400;

const harness = useTokenHarness();
let h: TokenHarness;
let f: CodeFixtures;
let web: CodeAuth;

beforeEach(() => {
  h = harness();
  f = seedCodeFixtures(h.store, h.people.table, h.hasher);
  web = { method: 'basic', clientId: f.web.clientId, secret: f.web.secret };
});

/** Changes the web client's settings (as the admin API would). */
async function webSettings(extra: Partial<Client>): Promise<void> {
  const bundle = (await h.clients.loadClientBundle(f.web.clientId))!;
  h.store.seedClient({ ...bundle, client: { ...bundle.client, ...extra } });
}

/** A refresh token from a fresh code exchange by the (confidential) web client. */
async function signIn(): Promise<string> {
  const code = await createCode(h.people.codes, f.web.clientId, h.clock.now());
  const res = await h.send(codeRequest(web, code));
  expect(res.status).toBe(200);
  return JSON.parse(res.body).refresh_token as string;
}

const refresh = (token: string, authorization: string | undefined = basicAuth(f.web.clientId, f.web.secret)) =>
  h.send(
    tokenRequest({
      form: [
        ['grant_type', 'refresh_token'],
        ['refresh_token', token],
      ],
      ...(authorization === undefined ? {} : { authorization }),
    }),
  );

it('costs one client read and one conditional write (no user read), two signatures', async () => {
  const token = await signIn();
  h.store.resetCalls();
  h.people.table.calls.clear();
  h.signer.signCalls = 0;
  const res = await refresh(token);
  expect(res.status).toBe(200);
  expect(h.store.totalCalls()).toBe(1);
  expect(Object.fromEntries(h.people.table.calls)).toEqual({ rotate: 1 });
  expect(h.signer.signCalls).toBe(2);
  const body = JSON.parse(res.body);
  expect(decodeJwt(body.id_token)).not.toHaveProperty('nonce');
});

it('absolute expiry (refreshTokenTtl) and idle expiry (refreshTokenIdleTtl) → invalid_grant; a use moves the idle expiry on', async () => {
  await webSettings({ refreshTokenTtl: 10 * DAY, refreshTokenIdleTtl: DAY });
  let token = await signIn();
  h.clock.advance(DAY - 1);
  let res = await refresh(token);
  expect(res.status).toBe(200);
  token = JSON.parse(res.body).refresh_token;
  h.clock.advance(DAY - 1); // within a day of the last use, though two days since sign-in
  res = await refresh(token);
  expect(res.status).toBe(200);
  token = JSON.parse(res.body).refresh_token;
  h.clock.advance(DAY);
  expect(await refresh(token)).toEqual(INVALID_REFRESH);

  const fresh = await signIn();
  for (let i = 0; i < 11; i += 1) {
    h.clock.advance(DAY - 60);
    const next = await refresh(i === 0 ? fresh : token);
    if (i < 10) {
      expect(next.status).toBe(200);
      token = JSON.parse(next.body).refresh_token;
    } else {
      // Over ten days after sign-in: past the absolute lifetime however often it was used.
      expect(next).toEqual(INVALID_REFRESH);
    }
  }
  // An expired token is refused, not treated as a reuse: nothing was revoked.
  expect([...h.people.table.sessions.values()].every((s) => s.revokedAt === undefined)).toBe(true);
});

it('a revoked session → invalid_grant; a reuse is reported as refresh_token_reuse to the metrics', async () => {
  const token = await signIn();
  const sid = token.split('.')[0]!;
  await h.people.sessions.revokeSession(sid, 'admin', h.clock.iso());
  expect(await refresh(token)).toEqual(INVALID_REFRESH);
  expect(h.outcomes.at(-1)).toEqual({ outcome: 'denied', error: 'invalid_grant', clientId: f.web.clientId });

  const other = await signIn();
  expect((await refresh(other)).status).toBe(200);
  expect(await refresh(other)).toEqual(INVALID_REFRESH);
  expect(h.outcomes.at(-1)).toEqual({
    outcome: 'denied',
    error: 'invalid_grant',
    reason: 'refresh_token_reuse',
    clientId: f.web.clientId,
  });
  expect(h.people.table.sessions.get(other.split('.')[0]!)).toMatchObject({ revokedReason: 'refresh-token-reuse' });
  expect(h.logger.entries.some((l) => l.message === 'refresh token reused: revoking its session')).toBe(true);
});

it('a confidential client must authenticate; a client without refresh_token in grantTypes → unauthorized_client', async () => {
  const token = await signIn();
  const unauthenticated = await h.send(
    tokenRequest({
      form: [
        ['grant_type', 'refresh_token'],
        ['refresh_token', token],
        ['client_id', f.web.clientId],
      ],
    }),
  );
  expect(unauthenticated.status).toBe(401);
  expect(JSON.parse(unauthenticated.body)).toEqual({
    error: 'invalid_client',
    error_description: 'client authentication failed',
  });
  await webSettings({ grantTypes: ['authorization_code'] });
  expect(await refresh(token)).toEqual(
    oauthError(400, 'unauthorized_client', 'client is not authorized to use the refresh_token grant'),
  );
});

it('a disabled client that authenticates → invalid_grant (its refresh token is dead); a wrong secret stays invalid_client', async () => {
  const token = await signIn();
  await webSettings({ status: 'disabled' });
  expect(await refresh(token)).toEqual(INVALID_REFRESH);
  expect((await refresh(token, basicAuth(f.web.clientId, 'not-the-secret'))).status).toBe(401);
  // Client credentials keep RFC 6749 §5.2 invalid_client for a disabled client.
  const m2m = await h.send(
    tokenRequest({
      form: [['grant_type', 'client_credentials']],
      authorization: basicAuth(f.web.clientId, f.web.secret),
    }),
  );
  expect(m2m.status).toBe(401);
  await webSettings({ status: 'enabled' });
  expect((await refresh(token)).status).toBe(200);
});

it('a resource other than the session’s → invalid_target, checked in the same write: the token stays usable', async () => {
  const token = await signIn();
  const wrong = await h.send(
    tokenRequest({
      form: [
        ['grant_type', 'refresh_token'],
        ['refresh_token', token],
        ['resource', 'https://other.example.com'],
      ],
      authorization: basicAuth(f.web.clientId, f.web.secret),
    }),
  );
  expect(wrong).toEqual(oauthError(400, 'invalid_target', 'the refresh token was not granted for this resource'));
  expect(Object.fromEntries(h.people.table.calls)).toMatchObject({ rotate: 1 });
  // Nothing was consumed: the same token rotates now, and is no reuse.
  expect((await refresh(token)).status).toBe(200);
});
