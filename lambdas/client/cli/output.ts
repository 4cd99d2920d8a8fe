/**
 * What commands print on stdout: aligned text (tables, field/value lines, messages), or JSON with
 * `--json`. Listings that have more pages say so on stderr, so stdout stays one document.
 */
import type { Page } from '../admin-client';
import type { Invocation } from './command';

/** Prints text, ending it with a newline. */
export function print(inv: Invocation, text: string): void {
  inv.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
}

/** Prints a value as indented JSON. */
export function printJson(inv: Invocation, value: unknown): void {
  print(inv, JSON.stringify(value, null, 2));
}

/** A cell: `-` for nothing, lists space-joined (scope definitions by value), objects as JSON. */
function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((v) => cell(scopeValue(v))).join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A scope definition `{value, description?}` shows as its value. */
function scopeValue(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'string') {
    return (value as { value: string }).value;
  }
  return value;
}

/** An aligned text table with a header row. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Field/value lines for one object. */
export function fields(entries: [string, unknown][]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${name.padEnd(width)}  ${cell(value)}`).join('\n');
}

/** A listing: a table (or `(none)`), or the page as JSON; a next cursor is mentioned on stderr. */
export function printPage<T>(inv: Invocation, page: Page<T>, headers: string[], row: (item: T) => unknown[]): void {
  if (inv.json) return printJson(inv, page);
  print(inv, page.items.length === 0 ? '(none)' : table(headers, page.items.map(row)));
  if (page.nextCursor !== undefined) inv.io.stderr(`more: --cursor ${page.nextCursor} (or --all)\n`);
}

/** One resource as field/value lines (its own fields, then `extra`), or as JSON. */
export function printObject(inv: Invocation, value: object, extra: [string, unknown][] = []): void {
  if (inv.json) return printJson(inv, value);
  print(inv, fields([...Object.entries(value), ...extra]));
}

/** The outcome of a change: a sentence, or `value` as JSON. */
export function done(inv: Invocation, message: string, value: object): void {
  if (inv.json) printJson(inv, value);
  else print(inv, message);
}
