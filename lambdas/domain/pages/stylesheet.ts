/**
 * The hosted pages' one stylesheet, served at PAGES_STYLESHEET_PATH (CSP `style-src 'self'`: no inline
 * style anywhere). A centred card, the issuer's name above it, a clear error line, visible focus,
 * accessible contrast, and a layout that works from 360 px wide. No JavaScript, no web fonts.
 */
import type { HttpResponse } from '../http';
import { contentVersion } from './html';

export const PAGES_STYLESHEET = `:root {
  color-scheme: light dark;
  --bg: #f4f5f7;
  --card: #ffffff;
  --text: #1b1f24;
  --muted: #57606a;
  --border: #d0d7de;
  --accent: #0b5cd5;
  --accent-text: #ffffff;
  --error-bg: #fdecea;
  --error-text: #8a1c12;
  --focus: #f59e0b;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --card: #161b22;
    --text: #e6edf3;
    --muted: #9da7b3;
    --border: #30363d;
    --accent: #4c8dff;
    --accent-text: #0d1117;
    --error-bg: #3d1715;
    --error-text: #ffb4ab;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  padding: 1.5rem 1rem;
  background: var(--bg);
  color: var(--text);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.brand { margin: 0 0 1rem; font-size: 1.125rem; font-weight: 600; color: var(--muted); text-align: center; word-break: break-word; }
main.card {
  width: 100%;
  max-width: 26rem;
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 0.75rem;
  padding: 1.75rem 1.5rem;
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08);
}
h1 { margin: 0 0 0.5rem; font-size: 1.5rem; line-height: 1.25; }
p { margin: 0 0 1rem; }
.lead { color: var(--muted); word-break: break-word; }
.error {
  margin: 0 0 1rem;
  padding: 0.75rem 1rem;
  border-radius: 0.5rem;
  background: var(--error-bg);
  color: var(--error-text);
  font-weight: 600;
}
form { margin: 0; }
.field { margin: 0 0 1rem; }
label { display: block; margin: 0 0 0.25rem; font-weight: 600; }
input[type="text"], input[type="password"], input[type="email"] {
  display: block;
  width: 100%;
  padding: 0.625rem 0.75rem;
  font: inherit;
  color: var(--text);
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 0.5rem;
}
.hint { margin: 0.25rem 0 0; font-size: 0.875rem; color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin-top: 1.5rem; }
button {
  flex: 1 1 8rem;
  min-height: 2.75rem;
  padding: 0.625rem 1rem;
  font: inherit;
  font-weight: 600;
  border-radius: 0.5rem;
  border: 1px solid var(--accent);
  background: var(--accent);
  color: var(--accent-text);
  cursor: pointer;
}
button.secondary { background: transparent; color: var(--text); border-color: var(--border); }
input:focus-visible, button:focus-visible, a:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}
a { color: var(--accent); }
ul.scopes { margin: 0 0 1rem; padding: 0; list-style: none; border-top: 1px solid var(--border); }
ul.scopes li { padding: 0.625rem 0; border-bottom: 1px solid var(--border); word-break: break-word; }
ul.scopes span { display: block; font-weight: 600; }
ul.scopes code { display: block; font-size: 0.8125rem; color: var(--muted); }
.lead strong { color: var(--text); font-weight: 600; }
main.card > :last-child { margin-bottom: 0; }
@media (max-width: 400px) {
  body { padding: 1rem 0.5rem; justify-content: flex-start; }
  main.card { padding: 1.25rem 1rem; border-radius: 0.5rem; }
}
`;

/** Changes whenever the stylesheet does: the pages link `?v=<version>`, so it can be cached for a year. */
export const PAGES_STYLESHEET_VERSION = contentVersion(PAGES_STYLESHEET);

/** `GET PAGES_STYLESHEET_PATH`: the stylesheet, cacheable for a year (the pages link it by version). */
export function stylesheetResponse(): HttpResponse {
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/css;charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    },
    body: PAGES_STYLESHEET,
  };
}
