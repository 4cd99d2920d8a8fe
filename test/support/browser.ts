/**
 * The one place the browser tests get their Chromium (README, Tests): `CHROMIUM_PATH` when set, else a
 * system Chrome/Chromium, else the Chromium packaged in `@sparticuz/chromium` (inside its registry
 * tarball, so `npm ci` is the only step). Driven by playwright-core. Web security stays on: none of
 * the packaged defaults (`--disable-web-security`, `--allow-running-insecure-content`) are used, so a
 * CSP or CORS test means what it says. A missing browser, or a system library the packaged Chromium
 * needs (`libnss3`, `libexpat1` on Debian/Ubuntu), is a one-line error naming the fix.
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

/**
 * The Debian/Ubuntu package of each shared library the packaged Chromium links against and a slim
 * image may lack (`ldd` of the unpacked binary; the rest is glibc).
 */
const LIBRARY_PACKAGES: Readonly<Record<string, string>> = {
  'libnss3.so': 'libnss3',
  'libnssutil3.so': 'libnss3',
  'libsmime3.so': 'libnss3',
  'libnspr4.so': 'libnspr4',
  'libplc4.so': 'libnspr4',
  'libplds4.so': 'libnspr4',
  'libexpat.so.1': 'libexpat1',
};

/**
 * The message for a Chromium that did not start: when the dynamic loader names a missing library, which
 * one and the package that provides it; otherwise the launcher's own message.
 */
export function explainLaunchFailure(executablePath: string, message: string): string {
  const missing = /error while loading shared libraries: ([^\s:]+)/.exec(message)?.[1];
  if (missing === undefined) return message;
  const pkg = LIBRARY_PACKAGES[missing];
  return (
    `Chromium (${executablePath}) cannot start: the system library ${missing} is missing` +
    (pkg === undefined ? '.' : ` (Debian/Ubuntu: apt-get install -y ${pkg}).`) +
    ` Or set CHROMIUM_PATH to a Chromium that runs here.`
  );
}

/** A headless Chromium; close it when done. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await chromiumPath();
  try {
    return await chromium.launch({ executablePath, headless: true, args: ARGS });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(explainLaunchFailure(executablePath, message), { cause: err });
  }
}
