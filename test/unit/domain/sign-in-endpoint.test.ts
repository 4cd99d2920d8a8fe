/**
 * POST /oauth2/sign-in (docs/contract.md, "People › Sign-in"): browser binding and CSRF, one answer for
 * every failure, lockout after 10 failures for 15 minutes, the session cookie, rehash, the 303.
 */
import { SIGN_IN_FAILED } from '../../../lambdas/domain/pages/sign-in-page';
import {
  ALICE_PASSWORD,
  PAGES_ISSUER,
  digest,
  hiddenFields,
  makeUser,
  pagesHarness,
  redirectParams,
} from '../../support/hosted-pages';
import type { PagesHarness } from '../../support/hosted-pages';

async function post(h: PagesHarness, form: Record<string, string>, cookie?: string | null) {
  return h.send('POST', '/oauth2/sign-in', { form, cookie });
}

describe('sign-in: success', () => {
  it('creates a session, sets its cookie and answers 303 with a code, state and iss', async () => {
    const h = pagesHarness();
    const page = await h.authorize();
    const res = await h.signIn(page, 'alice', ALICE_PASSWORD);
    expect(res.statusCode).toBe(303);
    expect(res.headers).toEqual(
      expect.objectContaining({
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      }),
    );
    const params = redirectParams(res);
    expect(params).toEqual({ code: expect.any(String), state: 'state-123', iss: PAGES_ISSUER });
    const [session] = [...h.people.table.signInSessions.values()];
    const handle = h.jar.cookies.get('__Host-idp_session')!;
    expect(res.cookies).toEqual([
      `__Host-idp_session=${handle}; Max-Age=43200; Path=/; HttpOnly; SameSite=Lax; Secure`,
    ]);
    expect(session).toEqual({
      digest: digest(handle),
      sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      userId: 'user-alice',
      authTime: Math.floor(h.clock.now() / 1000),
      createdAt: h.clock.iso(),
      expiresAt: h.clock.iso(43200),
    });
    // The pending request is consumed; the code is stored only as its digest.
    expect(h.people.table.requests.size).toBe(0);
    expect([...h.people.table.codes.keys()]).toEqual([digest(params['code']!)]);
  });

  it('the username is case-insensitive; a failure counter is reset', async () => {
    const h = pagesHarness();
    h.people.table.users.get('user-alice')!.failedSignIns = 3;
    const res = await h.signIn(await h.authorize(), 'ALICE', ALICE_PASSWORD);
    expect(res.statusCode).toBe(303);
    expect(h.people.table.users.get('user-alice')!.failedSignIns).toBe(0);
  });

  it('rehashes a password made with weaker parameters, once', async () => {
    const h = pagesHarness();
    const alice = h.people.table.users.get('user-alice')!;
    alice.password = h.kdf.hashSync(ALICE_PASSWORD, 1);
    expect((await h.signIn(await h.authorize(), 'alice', ALICE_PASSWORD)).statusCode).toBe(303);
    const after = h.people.table.users.get('user-alice')!;
    expect(after.password!.params).toEqual({ cost: 2 });
    expect(after.version).toBe(2);
    expect(h.people.table.audit).toEqual([]);
    h.jar.cookies.delete('__Host-idp_session');
    expect((await h.signIn(await h.authorize(), 'alice', ALICE_PASSWORD)).statusCode).toBe(303);
    expect(h.kdf.calls.hash).toBe(1);
  });

  it('a new sign-in replaces the browser session (no fixation)', async () => {
    const h = pagesHarness();
    await h.signIn(await h.authorize(), 'alice', ALICE_PASSWORD);
    const first = h.jar.cookies.get('__Host-idp_session')!;
    await h.signIn(await h.authorize({ prompt: 'login' }), 'alice', ALICE_PASSWORD);
    const second = h.jar.cookies.get('__Host-idp_session')!;
    expect(second).not.toBe(first);
    expect([...h.people.table.signInSessions.keys()]).toEqual([digest(second)]);
  });

  it('a double submit of the same form makes one code', async () => {
    const h = pagesHarness();
    const page = await h.authorize();
    expect((await h.signIn(page, 'alice', ALICE_PASSWORD)).statusCode).toBe(303);
    const again = await h.signIn(page, 'alice', ALICE_PASSWORD);
    expect(again.statusCode).toBe(400);
    expect(again.headers).not.toHaveProperty('Location');
    expect(h.people.table.codes.size).toBe(1);
  });
});

describe('sign-in: one answer for every failure', () => {
  type Setup = (h: PagesHarness) => void;
  const scenarios: [string, Setup, string][] = [
    ['a wrong password', () => {}, 'wrong password!'],
    ['an unknown user', (h) => (h.people.table.users.clear(), h.people.table.usernames.clear()), ALICE_PASSWORD],
    ['a disabled user', (h) => (h.people.table.users.get('user-alice')!.status = 'disabled'), ALICE_PASSWORD],
    ['a locked user', (h) => (h.people.table.users.get('user-alice')!.lockedUntil = h.clock.iso(60)), ALICE_PASSWORD],
    ['a user without a password', (h) => delete h.people.table.users.get('user-alice')!.password, ALICE_PASSWORD],
  ];

  async function failure(setup: Setup, password: string) {
    const h = pagesHarness();
    setup(h);
    const page = await h.authorize();
    const res = await h.signIn(page, 'alice', password);
    return { h, res };
  }

  it('same status, headers and body (with the same handles), no code, no session', async () => {
    const answers = await Promise.all(scenarios.map(([, setup, password]) => failure(setup, password)));
    const [first] = answers;
    expect(first!.res.statusCode).toBe(200);
    expect(String(first!.res.body)).toContain(SIGN_IN_FAILED);
    for (const { h, res } of answers) {
      expect(res.statusCode).toBe(first!.res.statusCode);
      expect(res.headers).toEqual(first!.res.headers);
      expect(res.body).toBe(first!.res.body);
      expect(res.cookies).toBeUndefined();
      expect(h.people.table.codes.size).toBe(0);
      expect(h.people.table.signInSessions.size).toBe(0);
    }
  });

  it('the same KDF work: a verify for a known user, a burn for an unknown one', async () => {
    const unknown = await failure(
      (h) => (h.people.table.users.clear(), h.people.table.usernames.clear()),
      'x'.repeat(20),
    );
    expect(unknown.h.kdf.calls).toEqual({ hash: 0, verify: 0, needsRehash: 0, burn: 1 });
    const wrong = await failure(() => {}, 'x'.repeat(20));
    expect(wrong.h.kdf.calls).toEqual({ hash: 0, verify: 1, needsRehash: 0, burn: 0 });
    const locked = await failure(
      (h) => (h.people.table.users.get('user-alice')!.lockedUntil = h.clock.iso(60)),
      ALICE_PASSWORD,
    );
    expect(locked.h.kdf.calls.verify).toBe(1);
  });

  it('re-renders the form with a fresh CSRF token (the old one is spent) and the typed username', async () => {
    const h = pagesHarness();
    const page = await h.authorize();
    const failed = await h.signIn(page, 'alice', 'wrong password!');
    const before = hiddenFields(String(page.body));
    const after = hiddenFields(String(failed.body));
    expect(after['request']).toBe(before['request']);
    expect(after['csrf']).not.toBe(before['csrf']);
    expect(String(failed.body)).toMatch(/name="username"\s+value="alice"/);
    expect(String(failed.body)).toContain('role="alert"');
    expect((await h.signIn(page, 'alice', ALICE_PASSWORD)).statusCode).toBe(400);
    expect((await h.signIn(failed, 'alice', ALICE_PASSWORD)).statusCode).toBe(303);
  });
});

describe('sign-in: lockout', () => {
  it('10 consecutive failures lock the username for 15 minutes, stored', async () => {
    const h = pagesHarness();
    let page = await h.authorize();
    for (let i = 0; i < 10; i += 1) page = await h.signIn(page, 'alice', `wrong password ${i}`);
    expect(h.people.table.users.get('user-alice')!.lockedUntil).toBe(h.clock.iso(900));
    expect(h.people.table.calls.get('recordFailedSignIn')).toBe(10);
    const locked = await h.signIn(page, 'alice', ALICE_PASSWORD);
    expect(locked.statusCode).toBe(200);
    expect(String(locked.body)).toContain(SIGN_IN_FAILED);
    // Attempts while locked do not extend the lock.
    expect(h.people.table.calls.get('recordFailedSignIn')).toBe(10);

    h.clock.advance(899);
    const stillLocked = await h.signIn(await h.authorize(), 'alice', ALICE_PASSWORD);
    expect(String(stillLocked.body)).toContain(SIGN_IN_FAILED);
    h.clock.advance(1);
    const fresh = await h.authorize();
    expect((await h.signIn(fresh, 'alice', ALICE_PASSWORD)).statusCode).toBe(303);
  });

  it('9 failures then a success reset the count', async () => {
    const h = pagesHarness();
    let page = await h.authorize();
    for (let i = 0; i < 9; i += 1) page = await h.signIn(page, 'alice', `wrong password ${i}`);
    expect(h.people.table.users.get('user-alice')!.failedSignIns).toBe(9);
    expect((await h.signIn(page, 'alice', ALICE_PASSWORD)).statusCode).toBe(303);
    expect(h.people.table.users.get('user-alice')!.failedSignIns).toBe(0);
    expect(h.people.table.users.get('user-alice')!.lockedUntil).toBeUndefined();
  });
});

describe('sign-in: browser binding and CSRF (login CSRF, RFC 9700 §4.4.1.8)', () => {
  async function started() {
    const h = pagesHarness();
    const page = await h.authorize();
    const fields = hiddenFields(String(page.body));
    const browser = `__Host-idp_browser=${h.jar.cookies.get('__Host-idp_browser')}`;
    return { h, fields, browser };
  }

  const refused = (res: { statusCode?: number; headers?: Record<string, unknown>; body?: string }) => {
    expect(res.statusCode).toBe(400);
    expect(res.headers).not.toHaveProperty('Location');
    expect(String(res.body)).toContain('This sign-in cannot continue');
  };

  it.each([
    ['no browser cookie (a cross-site post: SameSite=Lax withholds it)', null, {}],
    ['another browser cookie', `__Host-idp_browser=${'B'.repeat(43)}`, {}],
    ['no CSRF token', undefined, { csrf: undefined }],
    ['a wrong CSRF token', undefined, { csrf: 'C'.repeat(43) }],
    ['no request handle', undefined, { request: undefined }],
    ['an unknown request handle', undefined, { request: 'R'.repeat(43) }],
  ])('%s → 400 page, no code, no session', async (_name, cookie, change) => {
    const { h, fields, browser } = await started();
    const form: Record<string, string> = { ...fields, username: 'alice', password: ALICE_PASSWORD };
    for (const [name, value] of Object.entries(change)) {
      if (value === undefined) delete form[name];
      else form[name] = value;
    }
    refused(await post(h, form, cookie === undefined ? browser : cookie));
    expect(h.people.table.codes.size).toBe(0);
    expect(h.people.table.signInSessions.size).toBe(0);
    expect(h.kdf.calls.verify + h.kdf.calls.burn).toBe(0);
  });

  it('an expired pending request (10 min) → 400 page', async () => {
    const { h, fields } = await started();
    h.clock.advance(600);
    refused(await post(h, { ...fields, username: 'alice', password: ALICE_PASSWORD }));
  });

  it('a repeated field, another content type or an oversize body → 400 page', async () => {
    const { h, fields } = await started();
    const valid = new URLSearchParams({ ...fields, username: 'alice', password: ALICE_PASSWORD }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    refused(await h.send('POST', '/oauth2/sign-in', { rawBody: `${valid}&username=bob`, headers: form }));
    refused(await h.send('POST', '/oauth2/sign-in', { rawBody: valid, headers: { 'content-type': 'text/plain' } }));
    refused(await h.send('POST', '/oauth2/sign-in', { rawBody: `${valid}&pad=${'x'.repeat(9000)}`, headers: form }));
    expect(h.kdf.calls.verify + h.kdf.calls.burn).toBe(0);
    expect((await h.send('POST', '/oauth2/sign-in', { rawBody: valid, headers: form })).statusCode).toBe(303);
  });

  it('a client disabled after the page was shown → 400 page, request consumed', async () => {
    const { h, fields } = await started();
    h.store.updateClient('web', (b) => (b.client.status = 'disabled'));
    const res = await post(h, { ...fields, username: 'alice', password: ALICE_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(h.people.table.requests.size).toBe(0);
  });

  it('a GET of the sign-in path → 405 with Allow: POST', async () => {
    const h = pagesHarness();
    const res = await h.send('GET', '/oauth2/sign-in');
    expect(res.statusCode).toBe(405);
    expect(res.headers?.['Allow']).toBe('POST');
  });

  it('a second user of the same browser signs in to the same request only with the token', async () => {
    const h = pagesHarness();
    h.seedUser(makeUser('user-bob', 'bob'), 'bob password 123');
    const page = await h.authorize();
    expect((await h.signIn(page, 'bob', 'bob password 123')).statusCode).toBe(303);
  });
});
