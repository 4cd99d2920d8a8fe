/**
 * The admin console (docs/contract.md, "Admin console") in a real headless Chromium (playwright-core,
 * web security on; test/support/browser.ts) against the local server, as a newcomer uses it:
 *
 * - the first admin person opens `/console/`, is sent (silently, `prompt=none`, then to the sign-in page)
 *   through the hosted sign-in, and lands on the client list with the issuer's name and stage shown;
 *   no CSP violation, no script error, and no token in localStorage or sessionStorage;
 * - creates an M2M client in the dialog and reads its secret once (with the curl), grants it a rule on an
 *   API in the Rules tab, gets a token with the secret (a plain fetch to the token endpoint), disables it
 *   and sees the next token request fail with `invalid_client`;
 * - a reload keeps the person signed in (the authorization request goes out with `prompt=none` and no
 *   sign-in page is shown) and returns to the same page and tab;
 * - creates a user with a password and grants them `admin:read` on the admin API; that user signs in
 *   and sees no write control, and the admin API refuses their write (403) with the token the console got;
 * - sign-out ends the session (RP-initiated logout) and shows the signed-out card;
 * - a person signed in to a public code-flow client elsewhere (openid-client with PKCE, the hosted page over
 *   HTTP) has a refresh-token session: the admin sees it on the user's page (client, scopes, started, last
 *   used, status), revokes it there, sees it revoked, and the refresh token then gets `invalid_grant`;
 * - settings saved over a change made elsewhere answer 412, shown as "someone else changed this client";
 * - an ended sign-in session (cookie gone) leads to the sign-in page and back to the same filtered list;
 * - a code-flow client: a wildcard redirect URI is named under its field, then the endpoints are shown;
 *   the client list pages (20 a page, Next/Previous, cursor in the URL) and orders by creation; a client
 *   is deleted only after its name is typed;
 * - an expired access token (a 1 s lifetime): the admin API's 401 signs in again silently and the person
 *   lands on the page they were opening;
 * - the client list works at 360 px wide without horizontal scrolling; dialogs take and return focus.
 *
 * Screenshots of the main pages (README, "Console") are written to docs/screenshots/console-*.png when
 * `UPDATE_SCREENSHOTS=1`, otherwise to a temporary folder, so a test run never changes the tree.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Issuer, generators } from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { CONSOLE_CSP } from '../../lambdas/domain/endpoints/console-endpoint';
import { launchBrowser } from '../support/browser';
import { hiddenFields } from '../support/hosted-pages';
import { registerApi, startTestIdp } from '../support/local-idp';

const DISPLAY_NAME = 'Acme Identity';
const ADMIN_PASSWORD = 'first admin password 1';
const GRACE_PASSWORD = 'grace hopper password';
const ADA_PASSWORD = 'ada lovelace password';
/** A loopback redirect URI (RFC 8252 §7.3) of the public code-flow client that holds a session. */
const NOTES_CALLBACK = 'http://127.0.0.1/callback';
const ORDERS = 'https://orders.example.com';
/** Bounds every browser wait: a page answers in well under a second, a sign-in (scrypt) in about one. */
const STEP_TIMEOUT_MS = 15_000;
/** The whole walk: several sign-ins (scrypt, N=2^17) on a busy machine. */
const TEST_TIMEOUT_MS = 120_000;

const UPDATE_SCREENSHOTS = process.env['UPDATE_SCREENSHOTS'] === '1';
const SCREENSHOTS = UPDATE_SCREENSHOTS
  ? path.join(__dirname, '..', '..', 'docs', 'screenshots')
  : mkdtempSync(path.join(tmpdir(), 'idp-console-screenshots-'));
mkdirSync(SCREENSHOTS, { recursive: true });

/* The browser globals the page callbacks use (the project's tsconfig has no DOM lib). */
declare const window: { reportCspViolation(violation: string): Promise<void> };
declare const document: {
  documentElement: { scrollWidth: number; clientWidth: number };
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (event: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};
declare const localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null };
declare const sessionStorage: typeof localStorage;

interface Watched {
  page: Page;
  cspViolations: string[];
  pageErrors: string[];
  /** Every authorization request the page made (its query), in order. */
  authorizeRequests: URLSearchParams[];
  /** How many times the hosted sign-in page was shown. */
  signInPages: () => number;
  /** The last token endpoint answer the console received. */
  lastTokens: () => Record<string, unknown> | undefined;
}

describe('the admin console in a real browser', () => {
  let idp: LocalIdp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [idp, browser] = await Promise.all([
      startTestIdp({ bootstrapAdminPassword: ADMIN_PASSWORD }, { displayName: DISPLAY_NAME }),
      launchBrowser(),
    ]);
    await registerApi(idp, ORDERS, ['orders:read', 'orders:write']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await browser?.close();
    await idp?.stop();
    if (!UPDATE_SCREENSHOTS) rmSync(SCREENSHOTS, { recursive: true, force: true });
  });

  async function open(viewport = { width: 1280, height: 860 }): Promise<Watched> {
    const context = await browser.newContext({ viewport, colorScheme: 'light', deviceScaleFactor: 1 });
    contexts.push(context);
    const cspViolations: string[] = [];
    await context.exposeFunction('reportCspViolation', (v: string) => cspViolations.push(v));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        void window.reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const pageErrors: string[] = [];
    const authorizeRequests: URLSearchParams[] = [];
    let signInPages = 0;
    let lastTokens: Record<string, unknown> | undefined;
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/oauth2/authorize') authorizeRequests.push(url.searchParams);
    });
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname === '/oauth2/authorize' && response.status() === 200) signInPages += 1;
      if (url.pathname === '/oauth2/token' && response.ok()) {
        void response.json().then((body: Record<string, unknown>) => (lastTokens = body));
      }
    });
    return {
      page,
      cspViolations,
      pageErrors,
      authorizeRequests,
      signInPages: () => signInPages,
      lastTokens: () => lastTokens,
    };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const buffer = await page.screenshot({
      path: path.join(SCREENSHOTS, `console-${name}.png`),
      fullPage: name === 'user',
    });
    expect(buffer.length).toBeGreaterThan(1000);
  }

  /** Opens the console and signs in on the hosted page; resolves on the client list. */
  async function signIn(w: Watched, username: string, password: string): Promise<void> {
    await w.page.goto(`${idp.issuer}/console/`);
    await w.page.getByLabel('Username').fill(username);
    await w.page.getByLabel('Password').fill(password);
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
  }

  /** Every key and value in the page's Web Storage. */
  async function webStorage(page: Page): Promise<string> {
    return page.evaluate(() => {
      const out: string[] = [];
      for (const store of [localStorage, sessionStorage]) {
        for (let i = 0; i < store.length; i += 1) {
          const key = store.key(i)!;
          out.push(`${key}=${store.getItem(key)}`);
        }
      }
      return out.join('\n');
    });
  }

  async function tokenFor(clientId: string, secret: string): Promise<Response> {
    return fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience: ORDERS }).toString(),
    });
  }

  /** A refresh_token grant for a public client (RFC 6749 §6): `client_id` alone, no secret. */
  async function refreshWith(clientId: string, refreshToken: string): Promise<Response> {
    return fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
      }).toString(),
    });
  }

  /** A call to the admin API with the bootstrap admin client's own token (another admin, elsewhere). */
  async function adminApi(method: string, apiPath: string, body?: unknown): Promise<Response> {
    const tokenResponse = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${idp.bootstrap.clientId}:${idp.bootstrap.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience: `${idp.issuer}/admin` }).toString(),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    return fetch(`${idp.url}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it(
    'an admin signs in, creates an M2M client, reads its secret once, grants a rule, gets a token, disables it',
    async () => {
      const admin = await open();
      const { page } = admin;

      // The page itself: index.html with its exact headers.
      const index = await fetch(`${idp.url}/console/clients`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      expect(index.headers.get('x-frame-options')).toBe('DENY');

      await signIn(admin, 'admin', ADMIN_PASSWORD);
      // Silent first (prompt=none → login_required), then the sign-in page, once.
      expect(admin.authorizeRequests.map((q) => q.get('prompt'))).toEqual(['none', null]);
      expect(admin.signInPages()).toBe(1);
      expect(new URL(page.url()).pathname).toBe('/console/');
      await expect(page.locator('.issuer').innerText()).resolves.toBe(DISPLAY_NAME);
      await expect(page.locator('.stage').innerText()).resolves.toMatch(/^local$/i);
      await expect(page.locator('.person').innerText()).resolves.toBe('Administrator (admin)');
      await expect(page.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);
      // The built-in clients are listed (idp-cli, idp-console and the bootstrap client).
      await expect(page.getByRole('cell', { name: 'idp-console', exact: true }).count()).resolves.toBe(1);
      await screenshot(page, 'clients');

      // Create an M2M client: the secret is shown once, with the ready curl.
      await page.getByRole('button', { name: 'Create client' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create client' });
      await dialog.waitFor();
      // Focus moved into the dialog (the Type radio or the name field, the first control).
      await expect(
        page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement
              .tagName,
        ),
      ).resolves.toMatch(/INPUT/);
      await dialog.getByLabel('Name', { exact: true }).fill('Orders backend');
      await screenshot(page, 'create-client');
      await dialog.getByRole('button', { name: 'Create' }).click();
      const created = page.getByRole('dialog', { name: 'Client “Orders backend” created' });
      await created.waitFor();
      const clientId = await created.getByRole('textbox', { name: 'Client id', exact: true }).inputValue();
      const secret = await created.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      expect(clientId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(secret.length).toBeGreaterThanOrEqual(43);
      const curl = await created.getByRole('textbox', { name: 'Get a token (curl)', exact: true }).inputValue();
      expect(curl).toContain(clientId);
      expect(curl).toContain(`${idp.issuer}/oauth2/token`);
      await expect(created.getByText('This is the only time the secret is shown').count()).resolves.toBe(1);
      await screenshot(page, 'client-secret');
      // No rule yet: the token endpoint refuses the scope (RFC 6749 §5.2).
      const early = await tokenFor(clientId, secret);
      expect([early.status, ((await early.json()) as { error: string }).error]).toEqual([400, 'invalid_scope']);
      await created.getByRole('button', { name: 'Open client' }).click();
      await page.getByRole('heading', { level: 1, name: /Orders backend/ }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/console/clients/${clientId}`);

      // Secrets tab: the secret is listed without its value.
      await page.getByRole('link', { name: 'Secrets' }).click();
      await page.getByRole('heading', { name: 'Secrets' }).waitFor();
      await page.getByRole('cell', { name: 'not yet' }).waitFor();
      await expect(page.content()).resolves.not.toContain(secret);

      // Rules tab: grant orders:read on the API.
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.getByLabel('API').selectOption(ORDERS);
      await page.getByLabel('orders:read').check();
      await page.getByRole('button', { name: 'Grant' }).click();
      await page.getByRole('cell', { name: ORDERS, exact: true }).waitFor();
      await screenshot(page, 'client-rules');

      // Settings are saved with If-Match: a change made elsewhere meanwhile is a 412, said in words.
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Orders backend v2');
      const elsewhere = await adminApi('PATCH', `/admin/clients/${clientId}`, { description: 'changed elsewhere' });
      expect(elsewhere.status).toBe(200);
      await page.getByRole('button', { name: 'Save' }).click();
      await expect(page.getByRole('alert').innerText()).resolves.toBe(
        'Someone else changed this client since you opened it. Reload to see their change, then make yours again.',
      );
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.getByRole('cell', { name: ORDERS, exact: true }).waitFor();

      // The token with that secret (a plain fetch to the token endpoint).
      const ok = await tokenFor(clientId, secret);
      expect(ok.status).toBe(200);
      const token = (await ok.json()) as { scope: string; token_type: string };
      expect([token.token_type, token.scope]).toEqual(['Bearer', 'orders:read']);

      // A reload keeps the person signed in: prompt=none, no sign-in page, the same page and tab.
      const before = admin.authorizeRequests.length;
      await page.reload();
      await page.getByRole('cell', { name: ORDERS, exact: true }).waitFor();
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(`/console/clients/${clientId}?tab=rules`);
      expect(admin.authorizeRequests.slice(before).map((q) => q.get('prompt'))).toEqual(['none']);
      expect(admin.signInPages()).toBe(1);

      // Disable: the next token request fails.
      await page.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('button', { name: 'Enable' }).waitFor();
      await expect(page.locator('h1 .badge').innerText()).resolves.toBe('disabled');
      const refused = await tokenFor(clientId, secret);
      expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);

      // Tokens live in memory only.
      const storage = await webStorage(page);
      expect(storage).not.toMatch(/eyJ/);
      expect(storage).not.toContain(secret);

      // The other pages render (screenshots for the README).
      await page.getByRole('link', { name: 'APIs' }).click();
      await page.getByRole('heading', { level: 2, name: 'Admin API' }).waitFor();
      await screenshot(page, 'apis');
      // Edit an API's scopes (If-Match): add one; removing one a rule still grants is refused in words.
      const orders = page.locator('article.card', { has: page.getByText(ORDERS, { exact: true }) });
      await orders.getByRole('button', { name: 'Edit scopes' }).click();
      const scopes = page.getByRole('dialog').getByLabel('Scopes');
      await scopes.fill('orders:write\norders:admin Administer orders');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await expect(page.getByRole('dialog').getByRole('alert').innerText()).resolves.toMatch(/orders:read/);
      await scopes.fill('orders:read\norders:write\norders:admin Administer orders');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await orders.getByText('Administer orders').waitFor();
      await expect(page.getByRole('dialog').count()).resolves.toBe(0);
      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('cell', { name: 'client.update' }).first().waitFor();
      await expect(page.getByRole('cell', { name: 'rule.put' }).count()).resolves.toBe(1);
      // Who: the person, linked to their page; via the console's client.
      const rulePut = page.getByRole('row', { name: /rule\.put/ });
      await expect(rulePut.getByRole('link', { name: 'admin', exact: true }).getAttribute('href')).resolves.toMatch(
        /^\/console\/users\/[A-Za-z0-9_-]+$/,
      );
      await expect(rulePut.getByText('via idp-console').count()).resolves.toBe(1);
      await screenshot(page, 'audit');
      // The changed object is a link: the rule's event opens the client's Rules tab.
      await rulePut.getByRole('link', { name: ORDERS }).click();
      await page.getByRole('cell', { name: ORDERS, exact: true }).waitFor();
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(`/console/clients/${clientId}?tab=rules`);
      await page.getByRole('link', { name: 'Signing keys' }).click();
      await page.getByRole('cell', { name: 'RS256' }).waitFor();
      await expect(page.getByText('signed your token').count()).resolves.toBe(1);
      await screenshot(page, 'keys');

      expect(admin.cspViolations).toEqual([]);
      expect(admin.pageErrors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'an admin creates a user and grants admin:read; that person signs in read-only and the API refuses their write',
    async () => {
      const admin = await open();
      const { page } = admin;
      await signIn(admin, 'admin', ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('button', { name: 'Create user' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create user' });
      await dialog.getByLabel('Username').fill('grace');
      await dialog.getByLabel('Name (optional)').fill('Grace Hopper');
      // A short password: the API's field error appears next to the field.
      await dialog.getByLabel('Password', { exact: true }).fill('short');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await expect(dialog.locator('.field.invalid .field-error').innerText()).resolves.toBe(
        'the password must have at least 12 characters',
      );
      await dialog.getByLabel('Password', { exact: true }).fill(GRACE_PASSWORD);
      await dialog.getByRole('button', { name: 'Create' }).click();
      const created = page.getByRole('dialog', { name: 'User grace created' });
      await created.getByRole('button', { name: 'Open user' }).click();
      await page.getByRole('heading', { level: 1, name: /grace/ }).waitFor();
      // Grant admin:read on the admin API.
      await page.getByLabel('API').selectOption(`${idp.issuer}/admin`);
      await page.getByLabel('admin:read').check();
      await page.getByRole('button', { name: 'Grant' }).click();
      await page.locator('ul.rows').getByText('admin:read').waitFor();
      // Sessions: the list or a readable message, never a blank card.
      await page.getByRole('heading', { name: 'Sessions' }).waitFor();
      await page
        .locator('.card', { has: page.getByRole('heading', { name: 'Sessions' }) })
        .locator('.empty, .error, table')
        .first()
        .waitFor();
      await screenshot(page, 'user');

      // Grace signs in (another browser profile): read-only.
      const grace = await open();
      await signIn(grace, 'grace', GRACE_PASSWORD);
      await expect(grace.page.locator('.badge.readonly').innerText()).resolves.toBe('read-only');
      await expect(grace.page.getByRole('button', { name: 'Create client' }).count()).resolves.toBe(0);
      await grace.page.getByRole('cell', { name: 'idp-console', exact: true }).waitFor();
      await grace.page.getByRole('link', { name: 'Users' }).click();
      await grace.page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      await expect(grace.page.getByRole('button', { name: 'Create user' }).count()).resolves.toBe(0);
      await grace.page.getByRole('link', { name: 'grace' }).click();
      await grace.page.getByRole('heading', { level: 1, name: /grace/ }).waitFor();
      for (const name of ['Disable', 'Reset password', 'Delete', 'Grant', 'Remove']) {
        await expect(grace.page.getByRole('button', { name }).count()).resolves.toBe(0);
      }
      await screenshot(grace.page, 'read-only');
      // The API refuses a write with the token the console holds (admin:read only).
      const tokens = grace.lastTokens();
      expect(String(tokens?.['scope']).split(' ')).not.toContain('admin:write');
      const write = await fetch(`${idp.url}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${String(tokens?.['access_token'])}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'x',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'client_secret_basic',
        }),
      });
      expect(write.status).toBe(403);
      const read = await fetch(`${idp.url}/admin/clients`, {
        headers: { authorization: `Bearer ${String(tokens?.['access_token'])}` },
      });
      expect(read.status).toBe(200);

      // Sign-out: RP-initiated logout, back to the console's signed-out card; a reload does not sign in.
      await grace.page.getByRole('button', { name: 'Sign out' }).click();
      await grace.page.getByText('You are signed out of Acme Identity.').waitFor();
      expect(new URL(grace.page.url()).pathname).toBe('/console/');
      await grace.page.getByRole('button', { name: 'Sign in' }).click();
      // The session is gone: the hosted sign-in page, not the console.
      await grace.page.getByLabel('Username').waitFor();
      expect(grace.cspViolations).toEqual([]);
      expect(grace.pageErrors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a person's refresh-token session is listed on their user page and revoked there; its refresh token then fails",
    async () => {
      // Setup through the admin API: a public code-flow client with refresh tokens, a user rule, a user.
      const made = await adminApi('POST', '/admin/clients', {
        name: 'Notes app',
        grantTypes: ['authorization_code', 'refresh_token'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [NOTES_CALLBACK],
      });
      expect(made.status).toBe(201);
      const { clientId } = ((await made.json()) as { client: { clientId: string } }).client;
      const rule = await adminApi('POST', `/admin/clients/${encodeURIComponent(clientId)}/rules`, {
        audience: ORDERS,
        scopes: ['orders:read'],
        subjectType: 'user',
      });
      expect(rule.status).toBe(201);
      const madeUser = await adminApi('POST', '/admin/users', { username: 'ada', password: ADA_PASSWORD });
      expect(madeUser.status).toBe(201);
      const { userId } = ((await madeUser.json()) as { user: { userId: string } }).user;

      // Ada signs in to the Notes app outside the console: openid-client with PKCE, the hosted sign-in
      // page driven over HTTP with a cookie jar; the code exchange starts a session.
      const issuer = await Issuer.discover(idp.url);
      const notes = new issuer.Client({
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [NOTES_CALLBACK],
        response_types: ['code'],
      });
      const verifier = generators.codeVerifier();
      const state = generators.state();
      const nonce = generators.nonce();
      const jar = new Map<string, string>();
      const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
        const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
        const res = await fetch(url, {
          ...init,
          redirect: 'manual',
          headers: { ...(init.headers as Record<string, string>), ...(cookie === '' ? {} : { cookie }) },
        });
        for (const line of res.headers.getSetCookie()) {
          const [pair = ''] = line.split(';');
          const eq = pair.indexOf('=');
          jar.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        return res;
      };
      const signInPage = await go(
        notes.authorizationUrl({
          scope: 'openid orders:read',
          audience: ORDERS,
          code_challenge: generators.codeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        }),
      );
      expect(signInPage.status).toBe(200);
      const signedIn = await go(`${idp.url}/oauth2/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...hiddenFields(await signInPage.text()),
          username: 'ada',
          password: ADA_PASSWORD,
        }).toString(),
      });
      expect(signedIn.status).toBe(303);
      const tokens = await notes.callback(NOTES_CALLBACK, notes.callbackParams(signedIn.headers.get('location')!), {
        code_verifier: verifier,
        state,
        nonce,
      });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      // One refresh (rotation) so that the session has been used and the token is known to work.
      const refreshed = await refreshWith(clientId, tokens.refresh_token!);
      expect(refreshed.status).toBe(200);
      const { refresh_token: refreshToken } = (await refreshed.json()) as { refresh_token: string };

      const listed = await adminApi('GET', `/admin/users/${encodeURIComponent(userId)}/sessions`);
      expect(listed.status).toBe(200);
      const { items } = (await listed.json()) as {
        items: { sessionId: string; clientId: string; scopes: string[]; createdAt: string; lastUsedAt: string }[];
      };
      expect(items).toEqual([
        expect.objectContaining({ clientId, scopes: ['openid', 'orders:read'], status: 'active' }),
      ]);
      const session = items[0]!;
      expect(session.lastUsedAt > session.createdAt).toBe(true);

      // The admin opens Ada's page in the console and sees the session.
      const admin = await open();
      const { page } = admin;
      await signIn(admin, 'admin', ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('link', { name: 'ada', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: /ada/ }).waitFor();
      const card = page.locator('.card', { has: page.getByRole('heading', { name: 'Sessions' }) });
      const row = card.locator('table.list tbody tr');
      await row.first().waitFor();
      await expect(row.count()).resolves.toBe(1);
      const cells = row.locator('td');
      await expect(cells.nth(0).getByRole('link').innerText()).resolves.toBe(clientId);
      await expect(cells.nth(0).getByRole('link').getAttribute('href')).resolves.toBe(
        `/console/clients/${encodeURIComponent(clientId)}`,
      );
      await expect(cells.nth(1).locator('.scope').allInnerTexts()).resolves.toEqual(['openid', 'orders:read']);
      await expect(cells.nth(2).innerText()).resolves.toBe('active');
      await expect(cells.nth(3).locator('time').getAttribute('datetime')).resolves.toBe(session.createdAt);
      await expect(cells.nth(4).locator('time').getAttribute('datetime')).resolves.toBe(session.lastUsedAt);
      await expect(card.getByRole('button', { name: 'Revoke all' }).count()).resolves.toBe(1);

      // Revoke it in the UI (no confirmation is asked): it stays listed, shown as revoked by an admin.
      const revoked = page.waitForResponse(
        (r) =>
          r.request().method() === 'DELETE' && new URL(r.url()).pathname.endsWith(`/sessions/${session.sessionId}`),
      );
      await card.getByRole('button', { name: `Revoke session ${session.sessionId}` }).click();
      expect((await revoked).status()).toBe(204);
      await cells.nth(2).getByText('revoked').waitFor();
      await expect(cells.nth(2).innerText()).resolves.toBe('revoked admin');
      await expect(card.getByRole('button', { name: /^Revoke/ }).count()).resolves.toBe(0);
      await expect(card.locator('.error').count()).resolves.toBe(0);

      // The refresh token is dead at the token endpoint (docs/contract.md, refresh_token).
      const refused = await refreshWith(clientId, refreshToken);
      expect(refused.status).toBe(400);
      await expect(refused.json()).resolves.toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token is invalid, expired or revoked',
      });
      expect(admin.cspViolations).toEqual([]);
      expect(admin.pageErrors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'an ended sign-in session leads back to sign-in and then to the same filtered page; 360 px without horizontal scrolling',
    async () => {
      const narrow = await open({ width: 360, height: 740 });
      // Opened under another name of the server (idp.url is 127.0.0.1), the console moves to the issuer's origin.
      const moved = narrow.page.waitForRequest(`${idp.issuer}/console/clients`);
      await narrow.page.goto(`${idp.url.replace('localhost', '127.0.0.1')}/console/clients`);
      await moved;
      await narrow.page.getByLabel('Username').waitFor();
      await signIn(narrow, 'admin', ADMIN_PASSWORD);
      // The sign-in session ends (its cookie is gone): a reload goes to the sign-in page, then back to
      // the same page with the same filters.
      await narrow.page.getByLabel('Search by name or id').fill('idp');
      await narrow.page.getByLabel('Status').selectOption('enabled');
      await narrow.page.getByRole('button', { name: 'Search' }).click();
      await narrow.page.waitForURL(/\?.*q=idp/);
      await narrow.page.getByRole('cell', { name: 'idp-cli', exact: true }).waitFor();
      const filtered = narrow.page.url();
      await narrow.page.context().clearCookies();
      await narrow.page.reload();
      await narrow.page.getByLabel('Username').fill('admin');
      await narrow.page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await narrow.page.getByRole('button', { name: 'Sign in' }).click();
      await narrow.page.getByRole('cell', { name: 'idp-cli', exact: true }).waitFor();
      expect(narrow.page.url()).toBe(filtered);
      await expect(narrow.page.getByLabel('Search by name or id').inputValue()).resolves.toBe('idp');
      await expect(narrow.page.getByRole('cell', { name: 'Bootstrap admin' }).count()).resolves.toBe(0);
      const overflow = await narrow.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBe(0);
      await screenshot(narrow.page, 'clients-360');
      await narrow.page.getByRole('button', { name: 'Create client' }).click();
      const box = (await narrow.page.getByRole('dialog').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(360);
      // Escape closes the dialog and focus returns to the button that opened it.
      await narrow.page.keyboard.press('Escape');
      await expect(narrow.page.getByRole('dialog').count()).resolves.toBe(0);
      await expect(
        narrow.page
          .getByRole('button', { name: 'Create client' })
          .evaluate(
            (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
          ),
      ).resolves.toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
  it(
    'a code-flow client (a bad redirect URI named under its field, then its endpoints); paging and order of the list',
    async () => {
      const admin = await open();
      const { page } = admin;
      await signIn(admin, 'admin', ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Create client' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create client' });
      await dialog.getByLabel(/Single-page or native app/).check();
      await dialog.getByLabel('Name', { exact: true }).fill('Photo album');
      await dialog.getByLabel('Redirect URIs').fill('https://photos.example.com/*');
      await dialog.getByRole('button', { name: 'Create' }).click();
      // The problem's errors entry (pointer /redirectUris/0) under the field, the detail below the form.
      await expect(dialog.locator('.field.invalid .field-error').innerText()).resolves.toMatch(/wildcard/);
      await expect(dialog.getByLabel('Redirect URIs').getAttribute('aria-invalid')).resolves.toBe('true');
      await dialog.getByLabel('Redirect URIs').fill('https://photos.example.com/callback');
      await dialog.getByRole('button', { name: 'Create' }).click();
      const created = page.getByRole('dialog', { name: 'Client “Photo album” created' });
      await created.waitFor();
      await expect(
        created.getByRole('textbox', { name: 'Authorization endpoint', exact: true }).inputValue(),
      ).resolves.toBe(`${idp.issuer}/oauth2/authorize`);
      await expect(created.getByRole('textbox', { name: 'Token endpoint', exact: true }).inputValue()).resolves.toBe(
        `${idp.issuer}/oauth2/token`,
      );
      await expect(created.getByText('https://photos.example.com/callback').count()).resolves.toBe(1);
      // A public client: no secret to show.
      await expect(created.getByRole('textbox', { name: 'Client secret' }).count()).resolves.toBe(0);
      // Focus moved into the new dialog (its first field); Tab moves to the next control, with a visible ring.
      const focused = () =>
        page.evaluate(() => {
          const el = (
            globalThis as unknown as {
              document: {
                activeElement: { getAttribute(n: string): string | null; tagName: string; textContent: string | null };
              };
            }
          ).document.activeElement;
          return `${el.tagName} ${el.getAttribute('aria-label') ?? ''} ${el.textContent ?? ''}`.trim();
        });
      await expect(focused()).resolves.toBe('INPUT');
      await page.keyboard.press('Tab');
      await expect(focused()).resolves.toBe('BUTTON Copy client id Copy');
      const outline = await page.evaluate(() => {
        const el = (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement;
        const style = (
          globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string } }
        ).getComputedStyle(el);
        return `${style.outlineStyle} ${style.outlineWidth}`;
      });
      expect(outline).toBe('solid 3px');
      await screenshot(page, 'code-flow-client');
      await created.getByRole('button', { name: 'Done' }).click();

      // Paging (20 a page, newest first, cursor in the URL) and the order by creation.
      for (let i = 0; i < 21; i += 1) {
        const res = await adminApi('POST', '/admin/clients', {
          name: `Batch ${String(i).padStart(2, '0')}`,
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'client_secret_basic',
        });
        expect(res.status).toBe(201);
      }
      await page.reload();
      const rows = page.locator('table.list tbody tr');
      await page.getByRole('link', { name: 'Batch 20' }).waitFor();
      await expect(rows.count()).resolves.toBe(20);
      await expect(rows.first().locator('td').first().innerText()).resolves.toBe('Batch 20');
      // Oldest first is the API's order over the whole listing: the clients of the first start lead, the
      // newest batch is not on the first page.
      await page.getByLabel('Created').selectOption('oldest');
      await page.waitForURL((url) => url.searchParams.get('order') === 'oldest');
      await page.getByRole('link', { name: 'Bootstrap admin' }).waitFor();
      await expect(rows.first().locator('td').first().innerText()).resolves.toMatch(
        /^(Bootstrap admin|idp CLI|Admin console)$/,
      );
      await expect(page.getByRole('link', { name: 'Batch 20' }).count()).resolves.toBe(0);
      await page.getByLabel('Created').selectOption('newest');
      await page.getByRole('link', { name: 'Batch 20' }).waitFor();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByRole('link', { name: 'Batch 00' }).waitFor();
      expect(new URL(page.url()).searchParams.get('pages')).not.toBeNull();
      await expect(page.getByRole('link', { name: 'Batch 20' }).count()).resolves.toBe(0);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByRole('link', { name: 'Batch 20' }).waitFor();
      await expect(page.getByRole('button', { name: 'Previous page' }).isDisabled()).resolves.toBe(true);

      // Delete with a typed confirmation: the button stays disabled until the name is typed exactly.
      await page.getByLabel('Search by name or id').fill('Photo album');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'Photo album' }).click();
      await page.getByRole('heading', { level: 1, name: /Photo album/ }).waitFor();
      await page.getByRole('button', { name: 'Delete' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete client' });
      const deleteButton = confirm.getByRole('button', { name: 'Delete' });
      await expect(deleteButton.isDisabled()).resolves.toBe(true);
      await confirm.getByLabel('Name of the client').fill('Photo albun');
      await expect(deleteButton.isDisabled()).resolves.toBe(true);
      await confirm.getByLabel('Name of the client').fill('Photo album');
      await deleteButton.click();
      await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/console/clients');
      const gone = await adminApi('GET', `/admin/clients?q=${encodeURIComponent('Photo album')}`);
      expect(((await gone.json()) as { items: unknown[] }).items).toEqual([]);
      expect(admin.cspViolations).toEqual([]);
      expect(admin.pageErrors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the admin console when the access token expires', () => {
  let idp: LocalIdp;
  let browser: Browser;

  beforeAll(async () => {
    // Access tokens of 1 s: the console's token expires while the person is on a page.
    [idp, browser] = await Promise.all([
      startTestIdp({ bootstrapAdminPassword: ADMIN_PASSWORD, defaultAccessTokenTtl: 1 }),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
  });

  it(
    'a 401 from the admin API signs in again silently (prompt=none) and lands where the person was going',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const prompts: (string | null)[] = [];
      let signInPages = 0;
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/oauth2/authorize') prompts.push(url.searchParams.get('prompt'));
      });
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === '/oauth2/authorize' && response.status() === 200) signInPages += 1;
      });
      await page.goto(`${idp.issuer}/console/`);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
      // Past exp and the verifier's clock-skew grace (5 s, lambdas/client/verify/access-token-rules.ts).
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      const unauthorized = page.waitForResponse(
        (r) => new URL(r.url()).pathname === '/admin/users' && r.status() === 401,
      );
      await page.getByRole('link', { name: 'Users' }).click();
      await unauthorized;
      await page.getByRole('link', { name: 'admin', exact: true }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/console/users');
      expect(prompts).toEqual(['none', null, 'none']);
      expect(signInPages).toBe(1);
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );
});
