/**
 * The built-in CLI client `idp-cli` (docs/contract.md, Admin API › Bootstrap) is protected like the
 * admin API: what `idp login` relies on cannot be deleted or broken through the admin API (409
 * `in-use`). Bootstrap would put it back at the next deploy or start (`cliClientRepairs`), so a
 * refusal says so at once instead of a change that silently comes undone. Disabling it, renaming it,
 * adding redirect URIs or widening its rules stay possible.
 */
import {
  ADMIN_READ,
  ADMIN_WRITE,
  CLI_ADMIN_SCOPES,
  CLI_CLIENT_ID,
  adminAudience,
  cliClientRepairs,
} from '../bootstrap';
import type { Client, SubjectType } from '../model';
import { ProblemError } from './problem';

const BUILT_IN = `${CLI_CLIENT_ID} is the built-in client of idp login`;

/**
 * Refuses a change that takes from `idp-cli` the `authorization_code` grant, the `none` auth method
 * or the loopback redirect URI (or adds `client_credentials`).
 * @throws ProblemError 409 `in-use`
 */
export function guardCliClientChange(next: Client): void {
  if (next.clientId !== CLI_CLIENT_ID) return;
  const broken = Object.keys(cliClientRepairs(next));
  if (broken.length > 0) {
    throw new ProblemError(
      'in-use',
      `${BUILT_IN}; its ${broken.join(', ')} cannot change that way (it keeps the authorization_code grant, ` +
        `tokenEndpointAuthMethod none and its loopback redirect URI). Disable it to stop CLI sign-in.`,
    );
  }
}

/**
 * Refuses deleting `idp-cli`.
 * @throws ProblemError 409 `in-use`
 */
export function guardCliClientDelete(clientId: string): void {
  if (clientId === CLI_CLIENT_ID) {
    throw new ProblemError('in-use', `${BUILT_IN} and cannot be deleted; disable it to stop CLI sign-in`);
  }
}

/**
 * Refuses deleting `idp-cli`'s user rule on the admin API, or narrowing it below `admin:read
 * admin:write` (`scopes` is the rule after the change, `undefined` when it is deleted). What a person
 * gets stays limited by their own grants (the admin API is `userAccess: granted`).
 * @throws ProblemError 409 `in-use`
 */
export function guardCliRule(
  issuer: string,
  clientId: string,
  audience: string,
  subjectType: SubjectType,
  scopes: readonly string[] | undefined,
): void {
  if (clientId !== CLI_CLIENT_ID || audience !== adminAudience(issuer) || subjectType !== 'user') return;
  if (scopes === undefined) {
    throw new ProblemError('in-use', `${BUILT_IN}; its user rule on the admin API cannot be deleted`);
  }
  if (!CLI_ADMIN_SCOPES.every((s) => scopes.includes(s))) {
    throw new ProblemError(
      'in-use',
      `${BUILT_IN}; its user rule on the admin API keeps ${ADMIN_READ} and ${ADMIN_WRITE} ` +
        "(a person's own grants limit what they get)",
    );
  }
}
