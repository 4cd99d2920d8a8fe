/**
 * The admin console against its budget (docs/contract.md, Budgets: JavaScript ≤ 250 KB gzipped; the
 * first page interactive locally in under a second): the build's JavaScript size (raw and gzip -9), the
 * build time, and the time from navigation to the client list being interactive in a real headless
 * Chromium against the local server (in memory). Each timed navigation opens `/console/clients` in a
 * fresh page of a browser profile that is already signed in (the sign-in session cookie), so it counts
 * what a reload costs: index.html, the script and stylesheet, the silent `prompt=none` authorization, the
 * code exchange and the first `GET /admin/clients` — until the list's rows and the "Create client"
 * button are on screen. The browser's HTTP cache is off, so every run loads the assets again.
 */
import { performance } from 'node:perf_hooks';
import { buildConsole, javascriptSize } from '../console/build';
import { silentLogger } from '../lambdas/domain/ports';
import { startLocalIdp } from '../lambdas/local/local-idp';
import { launchBrowser } from '../test/support/browser';

/** What the section reports. */
export interface ConsoleBenchResult {
  javascriptBytes: number;
  javascriptGzipBytes: number;
  budgetGzipBytes: number;
  buildMs: number;
  /** Navigation → client list interactive, per run (ms). */
  interactiveMs: number[];
  medianMs: number;
  maxMs: number;
}

export const CONSOLE_JS_BUDGET_GZIP_BYTES = 250 * 1000;
const PASSWORD = 'console bench password';

export async function benchConsole(runs: number): Promise<ConsoleBenchResult> {
  // As `npm start` does (lambdas/local/main.ts): the SDK's Node 22 notice is not part of the measurement.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const t0 = performance.now();
  const assets = await buildConsole();
  const buildMs = performance.now() - t0;
  const size = javascriptSize(assets);

  const idp = await startLocalIdp(
    {
      port: 0,
      host: '127.0.0.1',
      alg: 'RS256',
      defaultAccessTokenTtl: 3600,
      bootstrapAdminPassword: PASSWORD,
    },
    { logger: silentLogger },
  );
  const browser = await launchBrowser();
  const interactiveMs: number[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const signIn = await context.newPage();
    await signIn.goto(`${idp.issuer}/console/`);
    await signIn.getByLabel('Username').fill('admin');
    await signIn.getByLabel('Password').fill(PASSWORD);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.getByRole('button', { name: 'Create client' }).waitFor({ timeout: 20_000 });
    await signIn.close();
    for (let i = 0; i < runs; i += 1) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      const start = performance.now();
      await page.goto(`${idp.issuer}/console/clients`);
      await page.getByRole('cell', { name: 'idp-console', exact: true }).waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Create client' }).waitFor({ state: 'visible' });
      interactiveMs.push(performance.now() - start);
      await page.close();
    }
    await context.close();
  } finally {
    await browser.close();
    await idp.stop();
  }
  const sorted = [...interactiveMs].sort((a, b) => a - b);
  return {
    javascriptBytes: size.bytes,
    javascriptGzipBytes: size.gzipBytes,
    budgetGzipBytes: CONSOLE_JS_BUDGET_GZIP_BYTES,
    buildMs,
    interactiveMs,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
