/**
 * RFC 9457 problem details for the admin API, sent as `application/problem+json`.
 *
 * Type scheme: every problem the admin API answers has `type`
 * `https://serverless-idp.dev/problems/<slug>` (RFC 9457 §3.1.1: a URI that identifies the problem
 * type; it is an identifier, not necessarily dereferenceable) and the fixed `title` of that slug
 * (RFC 9457 §3.1.2: the title does not change between occurrences). `detail` explains this
 * occurrence; `instance` is the request path. Validation problems carry the extension member `errors`
 * (RFC 9457 §3.2), one entry per bad input, each naming where it is:
 * - `pointer`: a JSON Pointer (RFC 6901) into the request body, e.g. `/scopes/0/value` (`""` is the
 *   whole body);
 * - `parameter`: a query or path parameter name, e.g. `limit`;
 * - `header`: a request header name, e.g. `If-Match`.
 */
import type { HttpResponse } from '../http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://serverless-idp.dev/problems/';

/** Every problem type of the admin API: slug → status and fixed title. */
export const PROBLEM_TYPES = {
  'validation-error': { status: 400, title: 'The request is not valid' },
  'bad-request': { status: 400, title: 'The request is malformed' },
  'invalid-json': { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'Authentication required' },
  'insufficient-scope': { status: 403, title: 'The access token lacks a required scope' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'already-exists': { status: 409, title: 'The resource already exists' },
  'version-conflict': { status: 409, title: 'The resource was changed by someone else' },
  'in-use': { status: 409, title: 'The resource is in use' },
  'last-admin': { status: 409, title: 'The last admin client cannot lose admin:write' },
  'limit-exceeded': { status: 409, title: 'A limit was reached' },
  'public-client': { status: 409, title: 'A public client holds no secrets' },
  'precondition-failed': { status: 412, title: 'The If-Match precondition failed' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'service-unavailable': { status: 503, title: 'The service is temporarily unavailable' },
} as const;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

/** Where one bad input is, and what is wrong with it. */
export type ProblemFieldError =
  { pointer: string; detail: string } | { parameter: string; detail: string } | { header: string; detail: string };

/** The RFC 9457 §3 body. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ProblemFieldError[];
  /** RFC 6750 §3.1 code of a bearer-token refusal (as the local authorizer layer also answers). */
  error?: string;
}

/** A problem raised anywhere in the admin API and answered as problem+json. */
export class ProblemError extends Error {
  readonly status: number;

  constructor(
    readonly slug: ProblemSlug,
    readonly detail: string,
    readonly options: {
      errors?: ProblemFieldError[];
      headers?: Record<string, string>;
      /** The RFC 6750 §3.1 error code of a bearer-token refusal, as the extension member `error`. */
      bearerError?: 'invalid_token' | 'insufficient_scope';
    } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.status = PROBLEM_TYPES[slug].status;
  }
}

/** The `type` URI of a slug. */
export function problemType(slug: ProblemSlug): string {
  return `${PROBLEM_TYPE_BASE}${slug}`;
}

/** The body of a problem. */
export function problemBody(problem: ProblemError, instance?: string): ProblemBody {
  const body: ProblemBody = {
    type: problemType(problem.slug),
    title: PROBLEM_TYPES[problem.slug].title,
    status: problem.status,
    detail: problem.detail,
  };
  if (instance !== undefined) body.instance = instance;
  if (problem.options.errors !== undefined) body.errors = problem.options.errors;
  if (problem.options.bearerError !== undefined) body.error = problem.options.bearerError;
  return body;
}

/** The problem+json response; `Cache-Control: no-store` like every admin response. */
export function problemResponse(problem: ProblemError, instance?: string): HttpResponse {
  return {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...problem.options.headers },
    body: JSON.stringify(problemBody(problem, instance)),
  };
}

/** 400 validation problem with field errors. */
export function validationProblem(errors: ProblemFieldError[], detail?: string): ProblemError {
  const summary = detail ?? (errors.length === 1 ? 'one input is not valid' : `${errors.length} inputs are not valid`);
  return new ProblemError('validation-error', summary, { errors });
}

export function notFound(detail: string): ProblemError {
  return new ProblemError('not-found', detail);
}
