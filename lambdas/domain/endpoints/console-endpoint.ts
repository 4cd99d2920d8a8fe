/**
 * The admin console's static files (docs/contract.md, "Admin console"): served on the issuer's origin
 * under `/console/`, by the local server and by each AWS stage's console function alike. The files are
 * built once (console/build.ts: esbuild, content-hashed names) and handed in; this endpoint only picks
 * one and sets its headers:
 *
 * - `/console/assets/<name>-<hash>.<ext>`: the file, `Cache-Control: public, max-age=31536000, immutable`
 *   (its name changes with its content, RFC 8246);
 * - every other path under `/console/` (the app's own routes: `/console/clients/…`, `/console/callback`):
 *   `index.html`, `Cache-Control: no-cache` (RFC 9111 §5.2.2.4: revalidated every time, so a new
 *   deployment is picked up at once), a strict CSP with no inline script, never framed;
 * - `/console` → 308 to `/console/`; a method other than GET or HEAD → 405 with `Allow`.
 *
 * The page learns the issuer, its display name, the stage and its client id from one `<meta>` element
 * (a CSP with `script-src 'self'` forbids an inline configuration script).
 */
import { CONSOLE_ASSETS_PREFIX, CONSOLE_PATH, CONSOLE_PREFIX } from './paths';
import type { HttpResponse } from '../http';

/** One built file. */
export interface ConsoleFile {
  contentType: string;
  /** The file's text (JavaScript, CSS, source maps: all UTF-8). */
  body: string;
}

/** What the console build produces. */
export interface ConsoleAssets {
  /** `index.html` with the placeholder {@link CONSOLE_CONFIG_PLACEHOLDER} where the settings go. */
  indexTemplate: string;
  /** Files by name under {@link CONSOLE_ASSETS_PREFIX} (`main-3F2A….js`). */
  files: Readonly<Record<string, ConsoleFile>>;
}

/** What the page is told about where it runs. */
export interface ConsoleSettings {
  issuer: string;
  /** The issuer's name, shown in the console's header (as on the hosted pages). */
  displayName: string;
  /** The stage (`dev`, `prod`, `local` …), shown beside the name so nobody edits prod thinking it is dev. */
  stage: string;
  /** The console's public client id (`idp-console`). */
  clientId: string;
}

/** Replaced in {@link ConsoleAssets.indexTemplate} by the HTML-escaped JSON of {@link ConsoleSettings}. */
export const CONSOLE_CONFIG_PLACEHOLDER = '__IDP_CONSOLE_CONFIG__';

/**
 * The console's CSP: its own scripts, styles and images, API calls to its own origin only (the token
 * endpoint and the admin API are on the issuer's origin), never framed, no `<base>`, forms post nowhere
 * but here. No `'unsafe-inline'` anywhere.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Headers of `index.html`: revalidated on every load, not framed, no referrer, no sniffing. */
export const CONSOLE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html;charset=utf-8',
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** Cache-Control of a content-hashed file: a year, never revalidated (RFC 8246 `immutable`). */
export const CONSOLE_ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `index.html` with the settings in its `<meta>` element (attribute-escaped JSON). */
export function renderConsoleIndex(template: string, settings: ConsoleSettings): string {
  const json = JSON.stringify(settings).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
  return template.replace(CONSOLE_CONFIG_PLACEHOLDER, json);
}

/** Answers console requests from built assets. */
export class ConsoleEndpoint {
  private readonly index: string;

  constructor(
    private readonly assets: ConsoleAssets,
    settings: ConsoleSettings,
  ) {
    this.index = renderConsoleIndex(assets.indexTemplate, settings);
  }

  handle(method: string, path: string): HttpResponse {
    if (method !== 'GET' && method !== 'HEAD') {
      // RFC 9110 §15.5.6: the methods the resource answers.
      return text(405, 'method not allowed', { Allow: 'GET, HEAD' });
    }
    if (path === CONSOLE_PREFIX) {
      // RFC 9110 §15.4.9: the console's relative asset URLs resolve under the trailing slash.
      return { status: 308, headers: { Location: CONSOLE_PATH, 'Cache-Control': 'no-cache' }, body: '' };
    }
    if (path.startsWith(CONSOLE_ASSETS_PREFIX)) {
      const file = Object.hasOwn(this.assets.files, path.slice(CONSOLE_ASSETS_PREFIX.length))
        ? this.assets.files[path.slice(CONSOLE_ASSETS_PREFIX.length)]
        : undefined;
      if (file === undefined) return text(404, 'not found');
      return {
        status: 200,
        headers: {
          'Content-Type': file.contentType,
          'Cache-Control': CONSOLE_ASSET_CACHE_CONTROL,
          'X-Content-Type-Options': 'nosniff',
        },
        body: file.body,
      };
    }
    return { status: 200, headers: { ...CONSOLE_PAGE_HEADERS }, body: this.index };
  }
}

function text(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/plain;charset=utf-8', 'Cache-Control': 'no-cache', ...headers },
    body,
  };
}
