/**
 * `/admin/users/{userId}/sessions` (docs/contract.md, Admin API › Users): the user's refresh-token
 * sessions, newest first, in any state; revoking one (`DELETE …/sessions/{sessionId}`, 204) or all of
 * them (`DELETE …/sessions`, 200 with how many). A revocation marks the session and denies its `sid`,
 * so its refresh token and its access tokens stop at once; each is one audited transaction
 * (`session.revoke`). Tokens and digests are never shown.
 */
import type { z } from 'zod';
import type { RefreshSession } from '../people/model';
import { refreshSessionStatus } from '../people/model';
import { auditEvent } from './audit';
import type { OperationContext } from './context';
import { iso, json, noContent } from './context';
import { notFound } from './problem';
import { DEFAULT_PAGE_SIZE } from './schemas';
import type { SessionListQuerySchema } from './user-schemas';
import { loadUserBundle } from './users-service';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

/** The wire shape of a session at `nowMs`. */
export function sessionView(session: RefreshSession, nowMs: number) {
  return {
    sessionId: session.sessionId,
    clientId: session.clientId,
    scopes: session.scopes,
    ...(session.audience === undefined ? {} : { audience: session.audience }),
    createdAt: session.createdAt,
    lastUsedAt: session.lastUsedAt,
    expiresAt: session.expiresAt,
    ...(session.idleExpiresAt === undefined ? {} : { idleExpiresAt: session.idleExpiresAt }),
    status: refreshSessionStatus(session, nowMs),
    ...(session.revokedAt === undefined ? {} : { revokedAt: session.revokedAt }),
    ...(session.revokedReason === undefined ? {} : { revokedReason: session.revokedReason }),
  };
}

export async function listSessions(ctx: Ctx<unknown, z.output<typeof SessionListQuerySchema>>) {
  const userId = ctx.params['userId']!;
  await loadUserBundle(ctx, userId);
  const page = await ctx.deps.sessions.listUserSessions(userId, {
    limit: ctx.query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: ctx.query.cursor,
    ...(ctx.query.clientId === undefined ? {} : { clientId: ctx.query.clientId }),
  });
  return json(200, {
    items: page.items.map((s) => sessionView(s, ctx.now)),
    ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
  });
}

export async function revokeSession(ctx: Ctx) {
  const userId = ctx.params['userId']!;
  const sessionId = ctx.params['sessionId']!;
  await loadUserBundle(ctx, userId);
  const session = await ctx.deps.sessions.findSession(sessionId);
  const missing = () => notFound(`user ${userId} has no session ${sessionId}`);
  if (session === undefined || session.userId !== userId) throw missing();
  // Revoking a revoked session again is a no-op (idempotent DELETE, RFC 9110 §9.2.2).
  if (session.revokedAt !== undefined) return noContent();
  const audit = auditEvent(
    ctx.audit(),
    'session.revoke',
    'session',
    sessionId,
    { revokedAt: { to: iso(ctx.now) } },
    { userId, clientId: session.clientId },
  );
  await ctx.deps.sessions.revokeSession(sessionId, 'admin', iso(ctx.now), undefined, audit);
  return noContent();
}

export async function revokeAllSessions(ctx: Ctx) {
  const userId = ctx.params['userId']!;
  await loadUserBundle(ctx, userId);
  // One event for all of them, about the user (the sessions are many and named by nothing else).
  const audit = auditEvent(ctx.audit(), 'session.revoke', 'user', userId, { sessions: { to: 'revoked' } });
  const revoked = await ctx.deps.sessions.revokeUserSessions(userId, 'admin', iso(ctx.now), undefined, audit);
  return json(200, { revoked });
}
