/**
 * HTML for the hosted pages, escaped by construction: {@link html} is a tagged template whose
 * interpolations are HTML-escaped unless they are already {@link SafeHtml} (the output of another
 * `html` template), so no request value (state, login_hint, a client's name) can become markup.
 */
import { createHash } from 'node:crypto';

/** Markup that has been escaped or written by this module. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text (escaped), markup, lists of either, or nothing. */
export type HtmlValue = string | number | SafeHtml | undefined | null | false | readonly HtmlValue[];

/** Escapes text for element content and double-quoted attribute values (OWASP XSS rule #1 and #2). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  return escapeHtml(String(value));
}

/** The tagged template: `html\`<p>${text}</p>\`` escapes `text`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** The first 16 hex characters of a SHA-256, for cache-busting asset URLs. */
export function contentVersion(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}
