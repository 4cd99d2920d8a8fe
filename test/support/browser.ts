/**
 * The one place the browser tests get their Chromium (README, Tests): `CHROMIUM_PATH` when set, else a
 * system Chrome/Chromium, else the Chromium packaged in `@sparticuz/chromium` (inside its registry
 * tarball, so `npm ci` is the only step). Driven by playwright-core. Web security stays on: none of
 * the packaged defaults (`--disable-web-security`, `--allow-running-insecure-content`) are used, so a
 * CSP or CORS test means what it says. A missing browser is a one-line error naming the fix.
 */
import { access, constants } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

/** System browsers tried after `CHROMIUM_PATH`, in order. */
const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/**
 * Flags for a closed network and a root user: no sandbox (root), no background connections (they are
 * refused here, many at a time), no first-run or component updates.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
];

const MISSING =
  'No Chromium for the browser tests: set CHROMIUM_PATH, or install one (apt-get install -y chromium), ' +
  'or run npm ci so that @sparticuz/chromium provides it.';

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What the tests use of `@sparticuz/chromium`. */
interface PackagedChromium {
  executablePath(): Promise<string>;
}

let resolved: Promise<string> | undefined;

/** The Chromium executable the tests use (resolved once per process). */
export function chromiumPath(): Promise<string> {
  resolved ??= (async () => {
    const configured = process.env['CHROMIUM_PATH'];
    if (configured !== undefined && configured !== '') {
      if (await executable(configured)) return configured;
      throw new Error(`CHROMIUM_PATH=${configured} is not an executable. ${MISSING}`);
    }
    for (const candidate of SYSTEM_BROWSERS) if (await executable(candidate)) return candidate;
    try {
      // Its CommonJS build exports the class itself (its type declarations are ESM-only).
      const packaged = createRequire(__filename)('@sparticuz/chromium') as PackagedChromium;
      return await packaged.executablePath();
    } catch (err) {
      throw new Error(`${MISSING} (${err instanceof Error ? err.message : String(err)})`);
    }
  })();
  return resolved;
}

/** A headless Chromium; close it when done. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumPath(), headless: true, args: ARGS });
}
