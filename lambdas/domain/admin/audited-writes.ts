/**
 * The write sequences the admin services share, so each is written once: a versioned update with its
 * audit event, and the guarded, audited deletion of one part of a client (a secret or a rule). Both
 * rely on the repositories' contract (lambdas/domain/ports.ts): the change and its audit event land
 * in one transaction, and a failed condition is a {@link ConflictError}.
 */
import { ConflictError } from '../errors';
import type { ConflictReason } from '../errors';
import type { HttpResponse } from '../http';
import type { ClientBundle } from '../model';
import { auditEvent, diffViews } from './audit';
import type { AuditAction, AuditEvent, AuditFieldChange, AuditTargetType } from './audit';
import type { OperationContext } from './context';
import { concurrentChange, etag, iso, json, noContent } from './context';
import { guardLastAdminWriter } from './guard-rails';
import { notFound } from './problem';
import type { ProblemError } from './problem';

/** A wire representation, as audit diffs compare them. */
type View = Readonly<Record<string, unknown>>;

/**
 * Runs a conditional write that the checks before it allowed; a lost race (the repository's
 * {@link ConflictError}) becomes the problem `answers` gives for its reason (a client deleted meanwhile
 * is 404, say), or else 412 `precondition-failed` / 409 `version-conflict`.
 * @throws ProblemError from `answers` or {@link concurrentChange}
 */
export async function writeOrConcurrentChange<T>(
  ctx: OperationContext,
  write: () => Promise<T>,
  answers: Partial<Record<ConflictReason, () => ProblemError>> = {},
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof ConflictError) throw answers[err.reason]?.() ?? concurrentChange(ctx);
    throw err;
  }
}

/** A resource under optimistic locking. */
interface Versioned {
  version: number;
  updatedAt: string;
}

/** One update of a versioned resource, as {@link updateVersioned} writes it. */
export interface VersionedUpdate<T extends Versioned> {
  /** The resource as read (its version already checked against If-Match and the body). */
  current: T;
  /** The resource as changed; its `version` and `updatedAt` are set here. */
  next: T;
  view(resource: T): View;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  /**
   * Changes the view does not show (a new password, as `{to: "changed"}`): they count as a change
   * and join the audit diff.
   */
  unviewed?: Record<string, AuditFieldChange>;
  /** Refusals that apply only to a real change (guard rails), run before the write. */
  check?: () => Promise<void>;
  /** The repository's write: `next` if the stored version is still `expectedVersion`, with `audit`. */
  write(next: T, expectedVersion: number, audit: AuditEvent): Promise<void>;
}

/**
 * A versioned update: nothing changed → 200 with the current view and nothing written; otherwise the
 * checks, the next version (`version + 1`, `updatedAt` now), its audit event with the field diff, the
 * conditional write (a lost race → 412/409), and 200 with the new view and ETag.
 */
export async function updateVersioned<T extends Versioned>(
  ctx: OperationContext,
  update: VersionedUpdate<T>,
): Promise<HttpResponse> {
  const { current, next, view } = update;
  const diff = { ...diffViews(view(current), view(next)), ...update.unviewed };
  if (Object.keys(diff).length === 0) return json(200, view(current), { ETag: etag(current.version) });
  await update.check?.();
  next.version = current.version + 1;
  next.updatedAt = iso(ctx.now);
  const audit = auditEvent(ctx.audit(), update.action, update.targetType, update.targetId, diff);
  await writeOrConcurrentChange(ctx, () => update.write(next, current.version, audit));
  return json(200, view(next), { ETag: etag(next.version) });
}

/** The deletion of one part of a client (a secret, a rule), as {@link deleteClientPart} writes it. */
export interface ClientPartDeletion {
  /** The client's bundle as read, holding the part. */
  bundle: ClientBundle;
  /** The bundle without the part, for the last-admin guard rail. */
  after: ClientBundle;
  /** What the guard rail's refusal calls the change (e.g. `deleting this rule`). */
  change: string;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  /** For a user rule: `user` (the audit event's `subjectType`). */
  subjectType?: 'user';
  /** The part's audit view (never a secret value or hash). */
  view: View;
  /** The repository's delete with `audit`; `false` when the part is gone already. */
  remove(audit: AuditEvent): Promise<boolean>;
  /** The 404 detail when the part is gone. */
  missing: string;
}

/**
 * Deletes one part of a client: the last-admin guard rail, the audit event (the part's view before,
 * nothing after), the delete, and 204; a part deleted meanwhile → 404.
 * @throws ProblemError 409 `last-admin`, 404 `not-found`
 */
export async function deleteClientPart(ctx: OperationContext, part: ClientPartDeletion): Promise<HttpResponse> {
  const clientId = part.bundle.client.clientId;
  await guardLastAdminWriter(ctx.deps, part.bundle, part.after, ctx.now, part.change);
  const audit = auditEvent(ctx.audit(), part.action, part.targetType, part.targetId, diffViews(part.view, undefined), {
    clientId,
    subjectType: part.subjectType,
  });
  if (!(await part.remove(audit))) throw notFound(part.missing);
  return noContent();
}
