/**
 * Audit events of admin changes: who (the admin token's `client_id` and `jti`, and for a person's
 * token the person: `sub` and their username), when, what, and a
 * field-level diff of the wire representations. Diffs are built from views, which never hold a
 * secret value or hash, so no secret can reach the audit trail.
 */
import type { JsonValue } from '../model';

/** What was done; `<targetType>.<verb>`. */
export type AuditAction =
  | 'api.create'
  | 'api.update'
  | 'api.delete'
  | 'client.create'
  | 'client.update'
  | 'client.delete'
  | 'secret.create'
  | 'secret.revoke'
  | 'rule.put'
  | 'rule.delete'
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'grant.put'
  | 'grant.delete';

/** Every {@link AuditAction}, for validation of audit queries. */
export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'api.create',
  'api.update',
  'api.delete',
  'client.create',
  'client.update',
  'client.delete',
  'secret.create',
  'secret.revoke',
  'rule.put',
  'rule.delete',
  'user.create',
  'user.update',
  'user.delete',
  'grant.put',
  'grant.delete',
];

/** What kind of thing an audit event is about. */
export type AuditTargetType = 'api' | 'client' | 'secret' | 'rule' | 'user' | 'grant';

/** Every {@link AuditTargetType}. */
export const AUDIT_TARGET_TYPES: readonly AuditTargetType[] = ['api', 'client', 'secret', 'rule', 'user', 'grant'];

/** One changed top-level field: its value before and after (absent = the field was absent). */
export interface AuditFieldChange {
  from?: JsonValue;
  to?: JsonValue;
}

/**
 * One admin change. The diff never holds a secret value or hash (secrets appear as their id,
 * createdAt and expiresAt only), nor a password, its hash, salt or KDF parameters (a password appears
 * as the word `set` or `changed`).
 */
export interface AuditEvent {
  eventId: string;
  /** ISO 8601 UTC time of the change. */
  at: string;
  /** Client id of the admin token's holder (the token's `client_id`). */
  actor: string;
  /** `jti` of the admin token used. */
  actorJti: string;
  /** For a person's token (RFC 9068 §2.2 `sub` ≠ `client_id`): the acting user's id; absent for a client's own token. */
  actorUserId?: string;
  /** The acting user's username at the time of the change (with {@link AuditEvent.actorUserId}). */
  actorUsername?: string;
  action: AuditAction;
  targetType: AuditTargetType;
  /** API identifier, client id, secret id, rule audience, user id or grant audience. */
  targetId: string;
  /** For secrets and rules: the client they belong to. */
  clientId?: string;
  /** For a user rule: `user` (a rule is named by client, audience and subject type; absent: a client rule). */
  subjectType?: 'user';
  /** For grants: the user they belong to. */
  userId?: string;
  /** Changed fields by name. */
  diff: Record<string, AuditFieldChange>;
  /** Epoch seconds after which the audit repository may expire the event (DynamoDB `ttl`); kept forever when absent. */
  expiresAt?: number;
}

/** Who makes a change: from the admin token, passed on by the authorizer. */
export interface AdminPrincipal {
  /** The client the token was issued to (`client_id`). */
  clientId: string;
  jti: string;
  scopes: ReadonlySet<string>;
  /**
   * A person's token: the user id (`sub`, RFC 9068 §2.2, when it differs from `client_id`). Absent for
   * a client-credentials token (`sub = client_id`), where the client itself acts.
   */
  userId?: string;
  /** The person's username, set by the admin API once it has read the user (admin-api.ts). */
  username?: string;
}

/** Fields that change with every write and would only add noise to a diff. */
const NOISE: ReadonlySet<string> = new Set(['updatedAt', 'version']);

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Top-level field diff of two views: `{field: {from?, to?}}` for every field whose value differs;
 * `before` undefined is a creation, `after` undefined a deletion.
 */
export function diffViews(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
): Record<string, AuditFieldChange> {
  const diff: Record<string, AuditFieldChange> = {};
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const name of names) {
    if (NOISE.has(name) && before !== undefined && after !== undefined) continue;
    const from = before?.[name] as JsonValue | undefined;
    const to = after?.[name] as JsonValue | undefined;
    if (canonicalJson(from) === canonicalJson(to)) continue;
    const change: AuditFieldChange = {};
    if (from !== undefined) change.from = from;
    if (to !== undefined) change.to = to;
    diff[name] = change;
  }
  return diff;
}

export interface AuditContext {
  principal: AdminPrincipal;
  eventId: string;
  /** ISO time of the change. */
  at: string;
  /** Epoch seconds when the event may expire, if the stage keeps audit for a limited time. */
  expiresAt?: number;
}

/** What a part's audit event names besides its id: the client or user it belongs to, a rule's subject type. */
export interface AuditTargetOwner {
  clientId?: string;
  subjectType?: 'user';
  userId?: string;
}

/** Builds one audit event. */
export function auditEvent(
  ctx: AuditContext,
  action: AuditAction,
  targetType: AuditTargetType,
  targetId: string,
  diff: Record<string, AuditFieldChange>,
  owner: AuditTargetOwner = {},
): AuditEvent {
  const { clientId, subjectType, userId } = owner;
  const event: AuditEvent = {
    eventId: ctx.eventId,
    at: ctx.at,
    actor: ctx.principal.clientId,
    actorJti: ctx.principal.jti,
    action,
    targetType,
    targetId,
    diff,
  };
  if (ctx.principal.userId !== undefined) event.actorUserId = ctx.principal.userId;
  if (ctx.principal.username !== undefined) event.actorUsername = ctx.principal.username;
  if (clientId !== undefined) event.clientId = clientId;
  if (subjectType !== undefined) event.subjectType = subjectType;
  if (userId !== undefined) event.userId = userId;
  if (ctx.expiresAt !== undefined) event.expiresAt = ctx.expiresAt;
  return event;
}
