/**
 * The audit actions the trail's "what" filter offers: the admin API's `AuditAction`s
 * (lambdas/domain/admin/audit.ts, which the browser bundle cannot import). test/unit/console/audit-actions.test.ts
 * keeps the two lists equal.
 */
export const AUDIT_ACTIONS = [
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
  'session.revoke',
];
