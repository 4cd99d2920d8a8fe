/**
 * Admin API errors as the console shows them (docs/contract.md, "Admin API › Problems"): RFC 9457
 * problem+json `detail` as the message, and each `errors` entry next to the field it names (a JSON
 * Pointer into the body, RFC 6901, or a query parameter). A few statuses get the console's own words,
 * because the person needs to know what to do next. Pure, unit-tested (test/unit/console/api-error.test.ts).
 */

/** A failed admin API call, readable. */
export interface ApiError {
  status: number;
  /** The problem type's slug (`precondition-failed` …), when the body was a problem. */
  slug: string | undefined;
  /** One sentence for the person. */
  message: string;
  /** Messages by field: the pointer's first segment (`redirectUris` for `/redirectUris/2`) or the parameter. */
  fields: Record<string, string>;
}

const PROBLEM_TYPE_BASE = 'https://serverless-idp.dev/problems/';

/** The field a problem's `errors` entry belongs to. */
export function fieldOf(entry: { pointer?: unknown; parameter?: unknown; header?: unknown }): string {
  if (typeof entry.pointer === 'string') {
    const first = entry.pointer.split('/')[1];
    return first === undefined || first === '' ? '' : first.replace(/~1/g, '/').replace(/~0/g, '~');
  }
  if (typeof entry.parameter === 'string') return entry.parameter;
  if (typeof entry.header === 'string') return entry.header;
  return '';
}

/** Maps a response (status and parsed body, when JSON) to an {@link ApiError}. */
export function toApiError(status: number, body: unknown, what = 'this'): ApiError {
  const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const type = typeof problem['type'] === 'string' ? problem['type'] : undefined;
  const slug = type?.startsWith(PROBLEM_TYPE_BASE) ? type.slice(PROBLEM_TYPE_BASE.length) : undefined;
  const detail = typeof problem['detail'] === 'string' ? problem['detail'] : undefined;
  const fields: Record<string, string> = {};
  if (Array.isArray(problem['errors'])) {
    for (const entry of problem['errors'] as { pointer?: unknown; parameter?: unknown; detail?: unknown }[]) {
      const field = fieldOf(entry);
      const text = typeof entry.detail === 'string' ? entry.detail : 'is not valid';
      fields[field] = fields[field] === undefined ? text : `${fields[field]}; ${text}`;
    }
  }
  let message: string;
  if (status === 412 || slug === 'precondition-failed' || slug === 'version-conflict') {
    message = `Someone else changed ${what} since you opened it. Reload to see their change, then make yours again.`;
  } else if (status === 401) {
    message = 'Your sign-in has expired. Signing you in again…';
  } else if (status === 403) {
    message = detail ?? 'You may not do this: your account is read-only (admin:read).';
  } else if (status === 0) {
    message = 'The server could not be reached. Check the connection and try again.';
  } else if (detail !== undefined) {
    message = detail;
  } else if (typeof problem['error_description'] === 'string') {
    message = problem['error_description'];
  } else if (status === 404) {
    message = `${what[0]?.toUpperCase() ?? ''}${what.slice(1)} does not exist (any more).`;
  } else if (status >= 500) {
    message = `The server failed (HTTP ${status}). Try again in a moment.`;
  } else {
    message = `The request failed (HTTP ${status}).`;
  }
  return { status, slug, message, fields };
}

/** Thrown by the API wrapper. */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiFailure';
  }
}
