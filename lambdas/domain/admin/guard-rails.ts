/**
 * Guard rails that keep the IdP manageable: the last usable client holding `admin:write` on the
 * admin API (`<issuer>/admin`) cannot be disabled, deleted, lose or narrow that rule, or lose its
 * last active secret. "Usable" = enabled, a rule granting `admin:write` on the admin audience and at
 * least one unexpired secret.
 *
 * The check reads the admin audience's rules (GSI `RULES#<audience>`) and the bundles of the other
 * holders until it finds one usable; two admins removing each other at the same instant could both
 * pass (there is no cross-partition lock) — an accepted, documented race for a rare operation.
 */
import { ADMIN_WRITE, adminAudience } from '../bootstrap';
import type { ClientBundle } from '../model';
import type { AdminDeps } from './context';
import { ProblemError } from './problem';
import { secretExpired } from '../client-authentication';

/** Whether a bundle is a working `admin:write` holder at `nowMs`. */
export function isUsableAdminWriter(bundle: ClientBundle, audience: string, nowMs: number): boolean {
  return (
    bundle.client.status === 'enabled' &&
    bundle.rules.some((rule) => rule.audience === audience && rule.scopes.includes(ADMIN_WRITE)) &&
    bundle.secrets.some((secret) => !secretExpired(secret, nowMs))
  );
}

/**
 * Refuses a change that would turn the last usable admin writer into an unusable one.
 * `after` is the client's bundle after the change (`undefined` when it is deleted).
 * @throws ProblemError 409 `last-admin`
 */
export async function guardLastAdminWriter(
  deps: AdminDeps,
  before: ClientBundle,
  after: ClientBundle | undefined,
  nowMs: number,
  change: string,
): Promise<void> {
  const audience = adminAudience(deps.config.issuer);
  if (!isUsableAdminWriter(before, audience, nowMs)) return;
  if (after !== undefined && isUsableAdminWriter(after, audience, nowMs)) return;
  const holders = await deps.clients.listRulesForAudience(audience);
  for (const { clientId, rule } of holders) {
    if (clientId === before.client.clientId || !rule.scopes.includes(ADMIN_WRITE)) continue;
    const other = await deps.clients.loadClientBundle(clientId);
    if (other !== undefined && isUsableAdminWriter(other, audience, nowMs)) return;
  }
  throw new ProblemError(
    'last-admin',
    `client ${before.client.clientId} is the last enabled client holding ${ADMIN_WRITE} on ${audience} ` +
      `with an active secret; ${change} would lock everyone out of the admin API. ` +
      `Grant ${ADMIN_WRITE} to another client first.`,
  );
}
