/**
 * The built-in public clients (docs/contract.md, Admin API › Bootstrap) are protected like the admin
 * API: the CLI client `idp-cli` (`idp login`) and the console client `idp-console` (the admin console at
 * `<issuer>/console/`) cannot be deleted or broken through the admin API (409 `in-use`). Bootstrap would
 * put them back at the next deploy or start (`cliClientRepairs`, `consoleClientRepairs`), so a refusal
 * says so at once instead of a change that silently comes undone. Disabling them, renaming them or
 * widening their rules stay possible (and adding redirect URIs to `idp-cli`).
 */
import {
  ADMIN_READ,
  ADMIN_WRITE,
  BUILT_IN_CLIENT_IDS,
  CLI_ADMIN_SCOPES,
  CLI_CLIENT_ID,
  CONSOLE_CLIENT_ID,
  adminAudience,
  cliClientRepairs,
  consoleClientRepairs,
  consoleRedirectUri,
  consoleUrl,
  issuerOrigin,
} from '../bootstrap';
import type { Client, SubjectType } from '../model';
import { ProblemError } from './problem';

/** The sentence naming a built-in client and what uses it. */
function builtIn(clientId: string): string {
  return clientId === CLI_CLIENT_ID
    ? `${CLI_CLIENT_ID} is the built-in client of idp login`
    : `${CONSOLE_CLIENT_ID} is the built-in client of the admin console`;
}

/** What a built-in client keeps, for the refusal's detail. */
function keeps(clientId: string, issuer: string): string {
  return clientId === CLI_CLIENT_ID
    ? 'it keeps the authorization_code grant, tokenEndpointAuthMethod none and its loopback redirect URI'
    : `it keeps the authorization_code grant, tokenEndpointAuthMethod none, exactly the redirect URI ` +
        `${consoleRedirectUri(issuer)}, the post-logout redirect URI ${consoleUrl(issuer)} and the allowed ` +
        `origin ${issuerOrigin(issuer)}`;
}

/** What disabling a built-in client switches off. */
function disableToStop(clientId: string): string {
  return clientId === CLI_CLIENT_ID ? 'Disable it to stop CLI sign-in.' : 'Disable it to stop console sign-in.';
}

/**
 * Refuses a change that breaks a built-in client: for `idp-cli` taking away the `authorization_code`
 * grant, the `none` auth method or the loopback redirect URI (or adding `client_credentials`); for
 * `idp-console` likewise, or any change of its redirect URIs, or taking away its post-logout redirect
 * URI or allowed origin.
 * @throws ProblemError 409 `in-use`
 */
export function guardBuiltInClientChange(issuer: string, next: Client): void {
  let broken: string[];
  if (next.clientId === CLI_CLIENT_ID) broken = Object.keys(cliClientRepairs(next));
  else if (next.clientId === CONSOLE_CLIENT_ID) broken = Object.keys(consoleClientRepairs(next, issuer));
  else return;
  if (broken.length > 0) {
    throw new ProblemError(
      'in-use',
      `${builtIn(next.clientId)}; its ${broken.join(', ')} cannot change that way (${keeps(next.clientId, issuer)}). ` +
        disableToStop(next.clientId),
    );
  }
}

/**
 * Refuses deleting a built-in client.
 * @throws ProblemError 409 `in-use`
 */
export function guardBuiltInClientDelete(clientId: string): void {
  if (BUILT_IN_CLIENT_IDS.includes(clientId)) {
    throw new ProblemError(
      'in-use',
      `${builtIn(clientId)} and cannot be deleted; ${disableToStop(clientId).replace(/^D/, 'd').replace(/\.$/, '')}`,
    );
  }
}

/**
 * Refuses deleting a built-in client's user rule on the admin API, or narrowing it below `admin:read
 * admin:write` (`scopes` is the rule after the change, `undefined` when it is deleted). What a person
 * gets stays limited by their own grants (the admin API is `userAccess: granted`).
 * @throws ProblemError 409 `in-use`
 */
export function guardBuiltInRule(
  issuer: string,
  clientId: string,
  audience: string,
  subjectType: SubjectType,
  scopes: readonly string[] | undefined,
): void {
  if (!BUILT_IN_CLIENT_IDS.includes(clientId) || audience !== adminAudience(issuer) || subjectType !== 'user') return;
  if (scopes === undefined) {
    throw new ProblemError('in-use', `${builtIn(clientId)}; its user rule on the admin API cannot be deleted`);
  }
  if (!CLI_ADMIN_SCOPES.every((s) => scopes.includes(s))) {
    throw new ProblemError(
      'in-use',
      `${builtIn(clientId)}; its user rule on the admin API keeps ${ADMIN_READ} and ${ADMIN_WRITE} ` +
        "(a person's own grants limit what they get)",
    );
  }
}
