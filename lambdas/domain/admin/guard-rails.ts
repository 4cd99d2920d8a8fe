/**
 * Guard rails that keep the IdP manageable. After any change, at least one usable client holding
 * `admin:write` on the admin API (`<issuer>/admin`) must keep a *lasting* secret. "Usable" = enabled,
 * a rule granting `admin:write` on the admin audience and at least one unexpired secret; "lasting" =
 * usable with a secret that has no expiry or expires more than the margin from now
 * (`AdminConfig.lastingSecretMarginSeconds`, 24 h by default). So the last such client cannot be
 * disabled, deleted, lose or narrow that rule, or lose its last lasting secret — an admin cannot add a
 * secret expiring in 20 s, revoke the other one and lock everyone out 20 s later.
 *
 * The check compares the changed client's level before and after (lasting > usable > neither): a
 * change that does not lower it always passes (a repair stays possible when time alone has left no
 * lasting secret); one that lowers it needs another client at the level it had.
 *
 * The check reads the admin audience's rules (GSI `RULES#<audience>`) and the bundles of the other
 * holders until it finds one; two admins removing each other at the same instant could both pass
 * (there is no cross-partition lock) — an accepted, documented race for a rare operation.
 */
import { ADMIN_WRITE, adminAudience } from '../bootstrap';
import { rulesFor } from '../model';
import type { ClientBundle } from '../model';
import type { AdminDeps } from './context';
import { ProblemError } from './problem';
import { secretExpired } from '../client-auth/client-authentication';

/** Default margin: a secret expiring within 24 h does not keep the admin API reachable. */
export const DEFAULT_LASTING_SECRET_MARGIN_SECONDS = 86_400;

/** 0 = not an admin writer now, 1 = usable now, 2 = usable with a lasting secret. */
type AdminLevel = 0 | 1 | 2;

function adminLevel(bundle: ClientBundle, audience: string, nowMs: number, marginMs: number): AdminLevel {
  if (bundle.client.status !== 'enabled') return 0;
  // Only a client rule with client credentials reaches the admin API with the client's own secret; a
  // user rule (a console's) needs a signed-in person and keeps no one able to repair the IdP.
  if (!bundle.client.grantTypes.includes('client_credentials')) return 0;
  const rules = rulesFor(bundle.rules, 'client');
  if (!rules.some((rule) => rule.audience === audience && rule.scopes.includes(ADMIN_WRITE))) return 0;
  const active = bundle.secrets.filter((secret) => !secretExpired(secret, nowMs));
  if (active.length === 0) return 0;
  return active.some((secret) => !secretExpired(secret, nowMs + marginMs)) ? 2 : 1;
}

/** Whether a bundle is a working `admin:write` holder at `nowMs`. */
export function isUsableAdminWriter(bundle: ClientBundle, audience: string, nowMs: number): boolean {
  return adminLevel(bundle, audience, nowMs, 0) > 0;
}

/** "24 h", "10 min" or "90 s". */
function describeMargin(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * Refuses a change that would leave no usable admin writer with a lasting secret (or none at all).
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
  const marginSeconds = deps.config.lastingSecretMarginSeconds ?? DEFAULT_LASTING_SECRET_MARGIN_SECONDS;
  const level = (bundle: ClientBundle) => adminLevel(bundle, audience, nowMs, marginSeconds * 1000);
  const had = level(before);
  const keeps = after === undefined ? 0 : level(after);
  if (keeps >= had) return;
  let othersBest: AdminLevel = 0;
  const holders = await deps.clients.listRulesForAudience(audience);
  for (const { clientId, rule } of holders) {
    if (clientId === before.client.clientId || rule.subjectType === 'user' || !rule.scopes.includes(ADMIN_WRITE)) {
      continue;
    }
    const other = await deps.clients.loadClientBundle(clientId);
    if (other === undefined) continue;
    const otherLevel = level(other);
    if (otherLevel >= had) return;
    if (otherLevel > othersBest) othersBest = otherLevel;
  }
  const id = before.client.clientId;
  if (keeps === 0 && othersBest === 0) {
    throw new ProblemError(
      'last-admin',
      `client ${id} is the last enabled client holding ${ADMIN_WRITE} on ${audience} ` +
        `with an active secret; ${change} would lock everyone out of the admin API. ` +
        `Grant ${ADMIN_WRITE} to another client first.`,
    );
  }
  throw new ProblemError(
    'last-admin',
    `client ${id} is the last enabled client holding ${ADMIN_WRITE} on ${audience} with a lasting secret ` +
      `(no expiry, or one more than ${describeMargin(marginSeconds)} away); ${change} would leave only secrets ` +
      `that expire sooner, locking everyone out of the admin API when they do. ` +
      `Add a lasting secret, or grant ${ADMIN_WRITE} to another client with one, first.`,
  );
}
