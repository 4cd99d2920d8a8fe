/**
 * Turns zod issues into RFC 9457 `errors` entries with stable, human-readable details: one entry per
 * bad field, named by a JSON Pointer (RFC 6901) into the body or by the parameter name.
 */
import type { z } from 'zod';
import type { ProblemFieldError } from './problem';
import { validationProblem } from './problem';
import { SERVER_OWNED_FIELDS } from './schemas';
import { HTTP_TOKEN, echo } from '../oauth-grammar';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** RFC 6901 §3: `~` → `~0`, `/` → `~1`. */
export function jsonPointer(path: readonly PathKey[]): string {
  return path.map((key) => `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

const ARTICLES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  record: 'an object',
  null: 'null',
};

function valueAt(input: unknown, path: readonly PathKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function sized(origin: string, n: number | bigint): string | undefined {
  const plural = n === 1 || n === 1n ? '' : 's';
  if (origin === 'string') return `${n} character${plural}`;
  if (origin === 'array' || origin === 'set') return `${n} item${plural}`;
  return undefined;
}

/** The detail of one issue (unknown keys are expanded by {@link issueErrors}). */
function issueDetail(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return 'is required';
      return `must be ${ARTICLES[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      const size = sized(issue.origin, issue.minimum);
      if (size !== undefined) return `must have at least ${size}`;
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${issue.minimum}`;
    }
    case 'too_big': {
      const size = sized(issue.origin, issue.maximum);
      if (size !== undefined) return `must have at most ${size}`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}`;
    }
    case 'invalid_format':
      if (issue.format === 'datetime')
        return 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z';
      if (issue.format === 'regex') return issue.message;
      return `must be a valid ${issue.format}`;
    case 'invalid_value':
      if (valueAt(input, issue.path) === undefined) return 'is required';
      return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'must be a JSON value';
    case 'custom':
      return issue.message;
    default:
      return issue.message;
  }
}

/** Field errors of a failed parse; `where` says whether paths are body pointers or parameter names. */
export function issueErrors(issues: readonly Issue[], input: unknown, where: 'body' | 'query'): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  const at = (path: readonly PathKey[], detail: string): ProblemFieldError => {
    // A name the caller chose is repeated only when short and plain (oauth-grammar.ts `echo`); else
    // the entry names the object holding it.
    const hidden = path.findIndex((key) => typeof key !== 'number' && echo(String(key), HTTP_TOKEN) === undefined);
    if (hidden >= 0) {
      return where === 'body'
        ? { pointer: jsonPointer(path.slice(0, hidden)), detail: `has a field (its name not repeated) that ${detail}` }
        : { parameter: '', detail: `a parameter (its name not repeated) ${detail}` };
    }
    return where === 'body'
      ? { pointer: jsonPointer(path), detail }
      : { parameter: path.map(String).join('.'), detail };
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const detail =
          where === 'query'
            ? 'is not a known parameter'
            : SERVER_OWNED_FIELDS.has(key)
              ? 'is set by the server and cannot be written'
              : 'is not a known field';
        errors.push(at([...issue.path, key], detail));
      }
    } else {
      errors.push(at(issue.path, issueDetail(issue, input)));
    }
  }
  return errors;
}

/**
 * Parses a request body with a schema.
 * @throws ProblemError 400 `validation-error` naming every bad field
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw validationProblem(issueErrors(result.error.issues, body, 'body'));
}

/**
 * Parses the query string with a strict schema of string parameters; a repeated parameter is an error.
 * @throws ProblemError 400 `validation-error` naming every bad parameter
 */
export function parseQuery<S extends z.ZodType>(schema: S, rawQuery: string): z.output<S> {
  const params: Record<string, string> = {};
  const errors: ProblemFieldError[] = [];
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (Object.prototype.hasOwnProperty.call(params, name)) {
      const shown = echo(name, HTTP_TOKEN);
      const entry: ProblemFieldError =
        shown === undefined
          ? { parameter: '', detail: 'a parameter (its name not repeated) is repeated' }
          : { parameter: shown, detail: 'is repeated' };
      if (!errors.some((e) => 'parameter' in e && e.parameter === entry.parameter && e.detail === entry.detail)) {
        errors.push(entry);
      }
      continue;
    }
    params[name] = value;
  }
  const result = schema.safeParse(params);
  if (!result.success) errors.push(...issueErrors(result.error.issues, params, 'query'));
  if (errors.length > 0) throw validationProblem(errors);
  return (result as { data: z.output<S> }).data;
}
