/**
 * What every admin operation receives: its dependencies, the parsed request and the acting
 * principal, plus the HTTP helpers operations share (JSON responses, ETags, If-Match).
 */
import type { HttpRequest, HttpResponse } from '../http';
import type { PasswordKdf, RefreshSessionRepository, UserRepository } from '../people/ports';
import type {
  ApiRepository,
  AuditRepository,
  ClientRepository,
  Clock,
  Logger,
  RegistrationIds,
  SecretHasher,
} from '../ports';
import type { AdminPrincipal, AuditContext } from './audit';
import { ProblemError } from './problem';

/** Stage configuration of the admin API. */
export interface AdminConfig {
  /** Issuer URL without a trailing slash; the admin audience is `<issuer>/admin`. */
  issuer: string;
  /** Days an audit event is kept (DynamoDB TTL); forever when absent. */
  auditRetentionDays?: number;
  /**
   * Seconds within which an expiring secret no longer counts as lasting for the last-admin guard
   * rail (`guard-rails.ts`); `DEFAULT_LASTING_SECRET_MARGIN_SECONDS` (24 h) when absent.
   */
  lastingSecretMarginSeconds?: number;
}

/** Dependencies of the admin API, composed once per cold start. */
export interface AdminDeps {
  /** Clients with their secrets and rules. */
  clients: ClientRepository;
  apis: ApiRepository;
  /** Users with their grants (`/admin/users`). */
  users: UserRepository;
  /** Users' refresh-token sessions (`/admin/users/{userId}/sessions`). */
  sessions: RefreshSessionRepository;
  /** Hashes the passwords admins set (scrypt keyed with the pepper). */
  kdf: PasswordKdf;
  /** Read side of the audit trail (each change's event is written by the repository making it). */
  auditTrail: AuditRepository;
  hasher: SecretHasher;
  clock: Clock;
  ids: RegistrationIds;
  logger: Logger;
  config: AdminConfig;
}

/** One request as an operation sees it. */
export interface OperationContext<B = unknown, Q = unknown> {
  deps: AdminDeps;
  req: HttpRequest;
  /** Decoded path parameters. */
  params: Readonly<Record<string, string>>;
  query: Q;
  body: B;
  /** The admin; absent only on public routes. */
  principal: AdminPrincipal | undefined;
  /** Parsed `If-Match` (RFC 9110 §13.1.1), absent when the header was not sent. */
  ifMatch: IfMatch | undefined;
  /** Request time, ms since the epoch, read once. */
  now: number;
  /** A fresh audit context (new event id) for one change. */
  audit(): AuditContext;
}

/** JSON response with `Cache-Control: no-store`. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** 204 No Content. */
export function noContent(): HttpResponse {
  return { status: 204, headers: { 'Cache-Control': 'no-store' }, body: '' };
}

/** Strong entity tag of a version (RFC 9110 §8.8.3). */
export function etag(version: number): string {
  return `"${version}"`;
}

/** RFC 9110 §13.1.1 `If-Match = "*" / #entity-tag`. */
export type IfMatch = { any: true } | { any: false; tags: { weak: boolean; opaque: string }[] };

// RFC 9110 §8.8.3: entity-tag = [ weak ] opaque-tag; opaque-tag = DQUOTE *etagc DQUOTE
const ENTITY_TAG = /^\s*(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"\s*$/;

/**
 * Parses If-Match.
 * @throws ProblemError 400 naming the header when it is malformed
 */
export function parseIfMatch(value: string | undefined): IfMatch | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '*') return { any: true };
  const tags: { weak: boolean; opaque: string }[] = [];
  for (const part of value.split(',')) {
    const match = ENTITY_TAG.exec(part);
    if (match === null) {
      throw new ProblemError('validation-error', 'the If-Match header is malformed', {
        errors: [{ header: 'If-Match', detail: 'must be "*" or a list of entity tags such as "3"' }],
      });
    }
    tags.push({ weak: match[1] !== undefined, opaque: match[2]! });
  }
  return { any: false, tags };
}

/**
 * Optimistic concurrency of a read-modify-write: `If-Match` must match the current version (strong
 * comparison, RFC 9110 §13.1.1) → else 412; a `version` in the body must equal it → else 409.
 * @throws ProblemError `precondition-failed` or `version-conflict`
 */
export function checkVersion(ctx: OperationContext, current: number, bodyVersion?: number): void {
  const ifMatch = ctx.ifMatch;
  if (ifMatch !== undefined && !ifMatch.any) {
    const current_ = String(current);
    if (!ifMatch.tags.some((tag) => !tag.weak && tag.opaque === current_)) {
      throw new ProblemError(
        'precondition-failed',
        `the resource is at version ${current}; If-Match did not match it`,
        { headers: { ETag: etag(current) } },
      );
    }
  }
  if (bodyVersion !== undefined && bodyVersion !== current) {
    throw new ProblemError(
      'version-conflict',
      `the resource is at version ${current}, the request was based on version ${bodyVersion}`,
    );
  }
}

/** The problem for a write that lost a race after the checks passed (the store's ConflictError). */
export function concurrentChange(ctx: OperationContext): ProblemError {
  const detail = 'the resource was changed concurrently; read it again and retry';
  return ctx.ifMatch !== undefined
    ? new ProblemError('precondition-failed', detail)
    : new ProblemError('version-conflict', detail);
}

/** ISO 8601 UTC of a time in ms. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
