/**
 * The frame every hosted page shares (docs/contract.md, "People › Pages"): the security headers of
 * every HTML answer, the document shell with the issuer's name and the stylesheet, and redirects.
 */
import type { HttpResponse } from '../http';
import { PAGES_STYLESHEET_PATH } from '../endpoints/paths';
import { html } from './html';
import type { HtmlValue, SafeHtml } from './html';
import { PAGES_STYLESHEET_VERSION } from './stylesheet';

/**
 * The CSP of every page: nothing but same-origin script, style and images; never framed; no `<base>`.
 * No `form-action`: browsers apply it to the redirect that follows the sign-in POST and would block
 * the 303 to the app's redirect URI (docs/contract.md, "People › Pages").
 */
export const PAGES_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Headers of every page and redirect: no caching (RFC 9111 §5.2.2.5; a page holds a CSRF token, a
 * redirect a code), no framing (clickjacking, RFC 9700 §4.16), no referrer (the query of authorize
 * never leaks to a third party), no MIME sniffing. No CORS header, ever.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': PAGES_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** The HTML media type of every page. */
export const HTML_UTF8 = 'text/html;charset=utf-8';

/** What every page is drawn with. */
export interface PageFrame {
  /** The issuer's display name, shown above the card. */
  displayName: string;
}

/** One page: its `<title>`/heading and the card's body. */
export interface PageContent {
  title: string;
  body: SafeHtml;
}

/** A complete HTML answer. */
export function pageResponse(
  status: number,
  frame: PageFrame,
  content: PageContent,
  cookies: string[] = [],
): HttpResponse {
  const document = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${content.title} · ${frame.displayName}</title>
        <link rel="stylesheet" href="${PAGES_STYLESHEET_PATH}?v=${PAGES_STYLESHEET_VERSION}" />
      </head>
      <body>
        <p class="brand">${frame.displayName}</p>
        <main class="card">
          <h1>${content.title}</h1>
          ${content.body}
        </main>
      </body>
    </html> `;
  return {
    status,
    headers: { 'Content-Type': HTML_UTF8, ...PAGE_SECURITY_HEADERS },
    body: document.value,
    ...(cookies.length > 0 ? { cookies } : {}),
  };
}

/** A redirect (302 after a GET, 303 after a POST, RFC 9110 §15.4.4) with the pages' headers. */
export function redirectResponse(status: 302 | 303, location: string, cookies: string[] = []): HttpResponse {
  return {
    status,
    headers: { Location: location, ...PAGE_SECURITY_HEADERS },
    body: '',
    ...(cookies.length > 0 ? { cookies } : {}),
  };
}

/** The error line of a form, announced to screen readers. */
export function errorLine(message: string | undefined): HtmlValue {
  return message === undefined ? undefined : html`<p class="error" role="alert">${message}</p>`;
}

/** The display name for an issuer when none is configured: its host (`idp.example.com`). */
export function defaultDisplayName(issuer: string): string {
  try {
    return new URL(issuer).host || issuer;
  } catch {
    return issuer;
  }
}
