/**
 * `/admin/users/{userId}/grants` (docs/contract.md, "Admin API › Users"): what a user may hold on an
 * API whose `userAccess` is `granted`. One grant per user and API: granting again replaces it
 * (keeping its `createdAt`). The audience must be a registered API and every scope one of its
 * scopes; at most {@link MAX_GRANTS_PER_USER} per user, so that deleting the user fits one
 * transaction.
 */
import type { z } from 'zod';
import type { UserBundle, UserGrant } from '../people/model';
import { registeredApiWithScopes } from './apis-service';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { iso, json, noContent } from './context';
import { writeOrConcurrentChange } from './audited-writes';
import { ProblemError, notFound } from './problem';
import { MAX_GRANTS_PER_USER } from './user-schemas';
import type { GrantPutSchema } from './user-schemas';
import { grantView } from './user-views';
import { loadUserBundle, userLocation } from './users-service';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

export function grantLocation(userId: string, audience: string): string {
  return `${userLocation(userId)}/grants/${encodeURIComponent(audience)}`;
}

function byAudience(a: UserGrant, b: UserGrant): number {
  return a.audience < b.audience ? -1 : a.audience > b.audience ? 1 : 0;
}

function noGrant(userId: string, audience: string): string {
  return `user ${userId} has no grant on ${audience}`;
}

function findGrant(bundle: UserBundle, audience: string): UserGrant {
  const grant = bundle.grants.find((g) => g.audience === audience);
  if (grant === undefined) throw notFound(noGrant(bundle.user.userId, audience));
  return grant;
}

export async function listGrants(ctx: Ctx) {
  const bundle = await loadUserBundle(ctx, ctx.params['userId']!);
  return json(200, { items: [...bundle.grants].sort(byAudience).map(grantView) });
}

export async function putGrant(ctx: Ctx<z.output<typeof GrantPutSchema>>) {
  const { body } = ctx;
  const userId = ctx.params['userId']!;
  const bundle = await loadUserBundle(ctx, userId);
  await registeredApiWithScopes(ctx, body.audience, body.scopes);

  const existing = bundle.grants.find((g) => g.audience === body.audience);
  if (existing === undefined && bundle.grants.length >= MAX_GRANTS_PER_USER) {
    throw new ProblemError('limit-exceeded', `user ${userId} has ${bundle.grants.length} grants, the most allowed`);
  }
  const grant: UserGrant = {
    audience: body.audience,
    scopes: body.scopes,
    createdAt: existing?.createdAt ?? iso(ctx.now),
  };
  const location = { Location: grantLocation(userId, grant.audience) };
  const diff = diffViews(existing === undefined ? undefined : grantView(existing), grantView(grant));
  if (existing !== undefined && Object.keys(diff).length === 0) return json(200, grantView(existing), location);
  const audit = auditEvent(ctx.audit(), 'grant.put', 'grant', grant.audience, diff, { userId });
  await writeOrConcurrentChange(ctx, () => ctx.deps.users.putGrant(userId, grant, audit));
  return json(existing === undefined ? 201 : 200, grantView(grant), location);
}

export async function deleteGrant(ctx: Ctx) {
  const userId = ctx.params['userId']!;
  const audience = ctx.params['audience']!;
  const bundle = await loadUserBundle(ctx, userId);
  const grant = findGrant(bundle, audience);
  const audit = auditEvent(ctx.audit(), 'grant.delete', 'grant', audience, diffViews(grantView(grant), undefined), {
    userId,
  });
  if (!(await ctx.deps.users.deleteGrant(userId, audience, audit))) throw notFound(noGrant(userId, audience));
  return noContent();
}
