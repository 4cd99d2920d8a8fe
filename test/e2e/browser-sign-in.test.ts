/**
 * The hosted pages in a real headless Chromium (playwright-core, web security on; test/support/browser.ts),
 * against the local server, as a person and an app meet them (docs/contract.md, "People"):
 *
 * - an app — a loopback HTTP server in this test — whose authorization URL openid-client 5.7 builds
 *   (PKCE S256, state, nonce); the browser opens it and sees the sign-in page: its exact security
 *   headers, the issuer's name, labelled inputs, one form, the stylesheet applied, no console error and
 *   no CSP violation (collected by a listener the browser injects, which the CSP cannot block);
 * - a wrong password and an unknown user show the same error line; the right password lands on the
 *   app's callback with `code`, `state`, `iss`, which openid-client exchanges (it validates the ID
 *   token) before it reads userinfo;
 * - a second authorize with the session cookie goes straight back to the app (302); logout clears it;
 * - consent for a `requireConsent` client: Allow → a code, Deny → `access_denied`;
 * - keyboard only (Tab, Enter), visible focus, and no horizontal scroll at 360 px.
 *
 * Screenshots of the pages (README, "Sign-in") are written to docs/screenshots/ when
 * `UPDATE_SCREENSHOTS=1`, otherwise to a temporary folder, so a test run never changes the tree.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Issuer, errors, generators } from 'openid-client';
import type { Client } from 'openid-client';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { PAGES_CSP } from '../../lambdas/domain/pages/layout';
import { SIGN_IN_FAILED } from '../../lambdas/domain/pages/sign-in-page';
import { launchBrowser } from '../support/browser';
import { makeUser } from '../support/hosted-pages';
import { startTestIdp } from '../support/local-idp';

const DISPLAY_NAME = 'Acme Identity';
const PHOTOS = 'https://photos.example.com';
const PASSWORD = 'correct horse battery staple';
const SCOPE = 'openid profile email';
/** Bounds every browser wait: a hosted page answers in well under a second, a sign-in (scrypt) in about one. */
const STEP_TIMEOUT_MS = 10_000;
/** Bounds each test: a handful of sign-ins (scrypt, N=2^17) on a busy machine running other suites. */
const TEST_TIMEOUT_MS = 60_000;

const UPDATE_SCREENSHOTS = process.env['UPDATE_SCREENSHOTS'] === '1';
const SCREENSHOTS = UPDATE_SCREENSHOTS
  ? path.join(__dirname, '..', '..', 'docs', 'screenshots')
  : mkdtempSync(path.join(tmpdir(), 'idp-screenshots-'));
mkdirSync(SCREENSHOTS, { recursive: true });

/*
 * The few browser globals that the functions run inside the page use: the project's tsconfig has no DOM
 * lib (nothing outside these callbacks runs in a browser), so they are declared here, for this file only.
 */
interface PageNode {
  id: string;
  textContent: string | null;
}
declare const window: { cspViolations: string[]; reportCspViolation(violation: string): Promise<void> };
declare const document: {
  activeElement: PageNode;
  body: PageNode;
  documentElement: { scrollWidth: number; clientWidth: number };
  head: { append(node: PageNode): void };
  scripts: { length: number };
  createElement(tag: 'style'): PageNode;
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (event: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};
declare function getComputedStyle(node: unknown): {
  backgroundColor: string;
  borderRadius: string;
  maxWidth: string;
  outlineStyle: string;
  outlineWidth: string;
};

/** The exact headers of every hosted page (docs/contract.md, "People › Pages"). */
const PAGE_HEADERS = {
  'content-type': 'text/html;charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-frame-options': 'DENY',
  'content-security-policy': PAGES_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** What the browser reported on one page that a user would never see: it must stay empty. */
interface Problems {
  console: string[];
  pageErrors: string[];
  failedRequests: string[];
  cspViolations: string[];
}

/** A tiny app on a loopback port: it answers its callback with a page and remembers what arrived. */
async function startApp(): Promise<{ origin: string; callbacks: URL[]; close(): Promise<void> }> {
  const callbacks: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback' && url.pathname !== '/signed-out') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (url.pathname === '/callback') callbacks.push(url);
    res
      .writeHead(200, { 'content-type': 'text/html;charset=utf-8', 'content-security-policy': "default-src 'none'" })
      .end(
        '<!doctype html><html lang="en"><head><title>The app</title></head><body><p>Back in the app.</p></body></html>',
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    callbacks,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('sign-in in a real browser', () => {
  let idp: LocalIdp;
  let app: Awaited<ReturnType<typeof startApp>>;
  let browser: Browser;
  let spa: Client;
  let consenting: Client;
  let redirectUri: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [idp, app, browser] = await Promise.all([
      startTestIdp({}, { displayName: DISPLAY_NAME }),
      startApp(),
      launchBrowser(),
    ]);
    redirectUri = `${app.origin}/callback`;
    const now = new Date().toISOString();
    await idp.repositories.apis.createApi({
      identifier: PHOTOS,
      name: 'Photos',
      scopes: [{ value: 'photos:read', description: 'View your photos' }],
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    const rules = [{ audience: PHOTOS, scopes: ['photos:read'], subjectType: 'user' as const, createdAt: now }];
    for (const [clientId, name, requireConsent] of [
      ['spa', 'Photo Album', false],
      ['consenting', 'Photo Printer', true],
    ] as const) {
      await idp.repositories.clients.createClient({
        client: {
          clientId,
          name,
          status: 'enabled',
          grantTypes: ['authorization_code'],
          tokenEndpointAuthMethod: 'none',
          redirectUris: [redirectUri],
          postLogoutRedirectUris: [`${app.origin}/signed-out`],
          requireConsent,
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
        secrets: [],
        rules,
      });
    }
    for (const [userId, username] of [
      ['u-dana', 'dana'],
      ['u-kim', 'kim'],
      ['u-lee', 'lee'],
    ] as const) {
      await idp.repositories.users.createUser({
        ...makeUser(userId, username, { name: `${username[0]!.toUpperCase()}${username.slice(1)} Example` }),
        password: await idp.passwordKdf.hash(PASSWORD),
      });
    }
    const issuer = await Issuer.discover(idp.url);
    const metadata = {
      token_endpoint_auth_method: 'none' as const,
      redirect_uris: [redirectUri],
      response_types: ['code'],
    };
    spa = new issuer.Client({ client_id: 'spa', ...metadata });
    consenting = new issuer.Client({ client_id: 'consenting', ...metadata });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([app?.close(), idp?.stop()]);
    if (!UPDATE_SCREENSHOTS) rmSync(SCREENSHOTS, { recursive: true, force: true });
  });

  /**
   * A fresh browser profile (no cookies) with one page whose problems are collected: console errors and
   * warnings (where Chromium also logs every CSP refusal), uncaught errors, failed requests, and each
   * `securitypolicyviolation` event of every document, reported by a listener that the browser injects
   * before any page script and outside the page's CSP (the pages have no script that could report).
   */
  async function openPage(viewport = { width: 1280, height: 800 }): Promise<{ page: Page; problems: Problems }> {
    const context = await browser.newContext({ viewport, colorScheme: 'light', deviceScaleFactor: 1 });
    contexts.push(context);
    const problems: Problems = { console: [], pageErrors: [], failedRequests: [], cspViolations: [] };
    await context.exposeFunction('reportCspViolation', (violation: string) => problems.cspViolations.push(violation));
    await context.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        const violation = `${e.violatedDirective} ${e.blockedURI}`;
        window.cspViolations.push(violation);
        void window.reportCspViolation(violation);
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.console.push(message.text());
    });
    page.on('pageerror', (err) => problems.pageErrors.push(err.message));
    page.on('requestfailed', (request) =>
      problems.failedRequests.push(`${request.url()} ${request.failure()?.errorText}`),
    );
    return { page, problems };
  }

  const noProblems: Problems = { console: [], pageErrors: [], failedRequests: [], cspViolations: [] };

  /** An authorization request as the app makes it, with openid-client. */
  function authorization(client: Client = spa, extra: Record<string, string> = {}) {
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const nonce = generators.nonce();
    const url = client.authorizationUrl({
      scope: SCOPE,
      code_challenge: generators.codeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const buffer = await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
    expect(buffer.length).toBeGreaterThan(1000);
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it(
    'signs in with the page, exchanges the code with openid-client, then reuses and ends the session',
    async () => {
      const { page, problems } = await openPage();
      const request = authorization();
      const response = (await page.goto(request.url)) as Response;

      // The page itself: status, exact headers, no CORS, the document a user sees.
      expect(response.status()).toBe(200);
      expect(response.headers()).toEqual(expect.objectContaining(PAGE_HEADERS));
      expect(response.headers()['access-control-allow-origin']).toBeUndefined();
      await expect(page.title()).resolves.toBe(`Sign in · ${DISPLAY_NAME}`);
      await expect(page.locator('.brand').innerText()).resolves.toBe(DISPLAY_NAME);
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Sign in');
      await expect(page.locator('.lead').innerText()).resolves.toBe('to continue to Photo Album');
      await expect(page.locator('form').count()).resolves.toBe(1);
      await expect(page.locator('form').getAttribute('method')).resolves.toBe('post');
      await expect(page.getByLabel('Username').getAttribute('name')).resolves.toBe('username');
      await expect(page.getByLabel('Password').getAttribute('type')).resolves.toBe('password');
      await expect(page.getByRole('alert').count()).resolves.toBe(0);
      await expect(page.evaluate(() => document.scripts.length)).resolves.toBe(0);

      // The stylesheet loaded despite `default-src 'none'`: the card is drawn, not the browser's default.
      const card = await page.locator('main.card').evaluate((el) => {
        const style = getComputedStyle(el);
        return { maxWidth: style.maxWidth, radius: style.borderRadius, background: style.backgroundColor };
      });
      expect(card).toEqual({ maxWidth: '416px', radius: '12px', background: 'rgb(255, 255, 255)' });
      await expect(page.evaluate(() => getComputedStyle(document.body).backgroundColor)).resolves.toBe(
        'rgb(244, 245, 247)',
      );
      // Centred: equal margins either side of the card.
      const box = (await page.locator('main.card').boundingBox())!;
      expect(Math.abs(box.x - (1280 - box.x - box.width))).toBeLessThanOrEqual(1);
      await screenshot(page, 'sign-in');

      // A wrong password, then an unknown user: the same page, the same line.
      await signIn(page, 'dana', 'not the password at all');
      await expect(page.getByRole('alert').innerText()).resolves.toBe(SIGN_IN_FAILED);
      await expect(page.getByLabel('Username').inputValue()).resolves.toBe('dana');
      await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');
      await expect(page.title()).resolves.toBe(`Sign in · ${DISPLAY_NAME}`);
      await screenshot(page, 'sign-in-error');
      await signIn(page, 'nobody-here', PASSWORD);
      await expect(page.getByRole('alert').innerText()).resolves.toBe(SIGN_IN_FAILED);
      await expect(page.getByLabel('Username').inputValue()).resolves.toBe('nobody-here');
      expect(problems).toEqual(noProblems);

      // The right password: back at the app with a code, the state and the issuer (RFC 9207).
      await signIn(page, 'dana', PASSWORD);
      await page.waitForURL(`${redirectUri}?**`);
      const callback = new URL(page.url());
      expect([...callback.searchParams.keys()]).toEqual(['code', 'state', 'iss']);
      expect(callback.searchParams.get('state')).toBe(request.state);
      expect(callback.searchParams.get('iss')).toBe(idp.issuer);
      expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await expect(page.locator('p').innerText()).resolves.toBe('Back in the app.');

      // The app exchanges it; openid-client validates the ID token (signature, iss, aud, nonce, iss param).
      const tokens = await spa.callback(redirectUri, spa.callbackParams(page.url()), {
        code_verifier: request.verifier,
        state: request.state,
        nonce: request.nonce,
      });
      expect(tokens.scope).toBe(SCOPE);
      expect(tokens.claims()).toMatchObject({
        iss: idp.issuer,
        sub: 'u-dana',
        aud: 'spa',
        nonce: request.nonce,
        preferred_username: 'dana',
      });
      await expect(spa.userinfo(tokens)).resolves.toEqual({
        sub: 'u-dana',
        name: 'Dana Example',
        preferred_username: 'dana',
        email: 'dana@example.com',
        email_verified: false,
      });

      // The session cookie, as the contract sets it.
      const session = (await page.context().cookies(idp.issuer)).find((c) => c.name === 'idp_session');
      expect(session).toMatchObject({ domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax', secure: false });

      // Signed in: authorize again goes straight back to the app with a 302, no page.
      const again = authorization();
      const straight = (await page.goto(again.url)) as Response;
      const hop = straight.request().redirectedFrom();
      expect(hop?.url()).toBe(again.url);
      expect((await hop!.response())!.status()).toBe(302);
      expect(new URL(page.url()).searchParams.get('state')).toBe(again.state);

      // Logout without a return address: the signed-out page, and the cookie is gone.
      const bye = (await page.goto(`${idp.issuer}/oauth2/logout`)) as Response;
      expect(bye.status()).toBe(200);
      expect(bye.headers()).toEqual(expect.objectContaining(PAGE_HEADERS));
      await expect(page.title()).resolves.toBe(`Signed out · ${DISPLAY_NAME}`);
      await expect(page.locator('main p').innerText()).resolves.toBe('You are signed out. You can close this window.');
      await screenshot(page, 'signed-out');
      expect((await page.context().cookies(idp.issuer)).map((c) => c.name)).toEqual(['idp_browser']);
      const after = (await page.goto(authorization().url)) as Response;
      expect(after.status()).toBe(200);
      await expect(page.title()).resolves.toBe(`Sign in · ${DISPLAY_NAME}`);
      expect(problems).toEqual(noProblems);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'asks for consent when the client requires it: Allow → a code, Deny → access_denied',
    async () => {
      const { page, problems } = await openPage();
      const first = authorization(consenting, { scope: `${SCOPE} photos:read` });
      await page.goto(first.url);
      await signIn(page, 'kim', PASSWORD);
      await page.waitForURL(`${idp.issuer}/oauth2/consent?**`);
      await expect(page.title()).resolves.toBe(`Allow access? · ${DISPLAY_NAME}`);
      await expect(page.locator('.lead').innerText()).resolves.toBe(
        'Photo Printer asks for access to your account kim and to Photos:',
      );
      await expect(page.locator('ul.scopes li').allInnerTexts()).resolves.toEqual([
        'Sign you in with your account\nopenid',
        'Your name and username\nprofile',
        'Your email address\nemail',
        'View your photos\nphotos:read',
      ]);
      await expect(page.locator('form').count()).resolves.toBe(1);
      await screenshot(page, 'consent');
      expect(problems).toEqual(noProblems);

      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${redirectUri}?**`);
      const tokens = await consenting.callback(redirectUri, consenting.callbackParams(page.url()), {
        code_verifier: first.verifier,
        state: first.state,
        nonce: first.nonce,
      });
      expect(tokens.claims()).toMatchObject({ sub: 'u-kim', aud: 'consenting' });

      // Asked again (prompt=consent), the user declines: the app hears access_denied, with state and iss.
      const second = authorization(consenting, { prompt: 'consent' });
      await page.goto(second.url);
      await page.waitForURL(`${idp.issuer}/oauth2/consent?**`);
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL(`${redirectUri}?**`);
      const denied = new URL(page.url());
      expect(denied.searchParams.get('error')).toBe('access_denied');
      expect(denied.searchParams.get('state')).toBe(second.state);
      expect(denied.searchParams.get('iss')).toBe(idp.issuer);
      const refused = await consenting
        .callback(redirectUri, consenting.callbackParams(page.url()), {
          code_verifier: second.verifier,
          state: second.state,
          nonce: second.nonce,
        })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(errors.OPError);
      expect(refused).toMatchObject({ error: 'access_denied' });
      expect(problems).toEqual(noProblems);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs in with the keyboard only, the focus visible on every control',
    async () => {
      const { page, problems } = await openPage();
      const request = authorization();
      await page.goto(request.url);
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return { id: el.id || el.textContent, outline: `${style.outlineStyle} ${style.outlineWidth}` };
        });

      // The username field has the focus on arrival (`autofocus` is applied after load, so wait for it,
      // bounded); Tab walks the form in order.
      await page.waitForFunction(() => document.activeElement?.id === 'username', undefined, {
        timeout: STEP_TIMEOUT_MS,
      });
      await expect(focused()).resolves.toEqual({ id: 'username', outline: 'solid 3px' });
      await page.keyboard.type('lee');
      await page.keyboard.press('Tab');
      await expect(focused()).resolves.toEqual({ id: 'password', outline: 'solid 3px' });
      await page.keyboard.press('Tab');
      await expect(focused()).resolves.toEqual({ id: 'Sign in', outline: 'solid 3px' });
      await screenshot(page, 'sign-in-keyboard-focus');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${redirectUri}?**`);
      expect(new URL(page.url()).searchParams.get('state')).toBe(request.state);
      expect(app.callbacks.at(-1)?.searchParams.get('state')).toBe(request.state);
      expect(problems).toEqual(noProblems);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fits a 360 px wide screen without horizontal scrolling, error line included',
    async () => {
      const { page, problems } = await openPage({ width: 360, height: 740 });
      await page.goto(authorization().url);
      const overflow = () =>
        page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await expect(overflow()).resolves.toBe(0);
      const box = (await page.locator('main.card').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(360);
      await screenshot(page, 'sign-in-360');
      await signIn(page, 'dana', 'not the password at all');
      await expect(page.getByRole('alert').innerText()).resolves.toBe(SIGN_IN_FAILED);
      await expect(overflow()).resolves.toBe(0);
      await screenshot(page, 'sign-in-error-360');
      expect(problems).toEqual(noProblems);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'reports a CSP violation when there is one (the listener above is not blind)',
    async () => {
      const { page, problems } = await openPage();
      await page.goto(authorization().url);
      await page.evaluate(() => {
        const style = document.createElement('style');
        style.textContent = 'body { background: red; }';
        document.head.append(style);
      });
      await page.waitForFunction(() => window.cspViolations.length > 0);
      await expect(page.evaluate(() => getComputedStyle(document.body).backgroundColor)).resolves.toBe(
        'rgb(244, 245, 247)',
      );
      // The page's own record, and the report that reached the test through the exposed function.
      await expect(page.evaluate(() => window.cspViolations)).resolves.toEqual(['style-src-elem inline']);
      await page.waitForFunction(() => true); // a further round trip, after which the report has arrived
      expect(problems.cspViolations).toEqual(['style-src-elem inline']);
      expect(problems.console).toEqual([
        expect.stringMatching(
          /^Applying inline style violates the following Content Security Policy directive 'style-src 'self''\./,
        ),
      ]);
    },
    TEST_TIMEOUT_MS,
  );
});
