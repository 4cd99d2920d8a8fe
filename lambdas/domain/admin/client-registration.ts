/**
 * The rules that tie a client's fields together (docs/contract.md, Admin API › Clients), checked on
 * the client as it will be stored: after create, and after a PATCH merged into the stored client, so
 * no sequence of changes reaches a client these rules refuse. Each field's own syntax (redirect URI,
 * origin, bounds) is checked by its zod schema first (schemas.ts).
 */
import type { Client, ClientBundle } from '../model';
import { rulesFor } from '../model';
import { isPublicClient, refreshTokenTtlOf, usesCodeFlow, usesRefreshTokens } from '../people/client-settings';
import { ProblemError, validationProblem } from './problem';
import type { ProblemFieldError } from './problem';

const CODE_FLOW_FIELDS = ['redirectUris', 'postLogoutRedirectUris', 'allowedOrigins', 'requireConsent'] as const;
const REFRESH_TOKEN_FIELDS = ['refreshTokenTtl', 'refreshTokenIdleTtl', 'maxSessionsPerUser'] as const;

/** Every refusal of the cross-field rules, each with the pointer of the field to change. */
export function clientRegistrationErrors(client: Client): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  const refreshAt = client.grantTypes.indexOf('refresh_token');
  if (refreshAt >= 0 && !usesCodeFlow(client)) {
    // Refresh tokens are issued here only from a code exchange (RFC 6749 §1.5, §4.1.4).
    errors.push({ pointer: `/grantTypes/${refreshAt}`, detail: 'refresh_token requires authorization_code' });
  }
  if (isPublicClient(client) && client.grantTypes.includes('client_credentials')) {
    // RFC 6749 §4.4: the client credentials grant is for confidential clients only (§2.1).
    errors.push({
      pointer: '/tokenEndpointAuthMethod',
      detail: 'none (a public client) cannot be used with the client_credentials grant (RFC 6749 §4.4)',
    });
  }
  if (usesCodeFlow(client)) {
    // RFC 6749 §3.1.2.2, RFC 9700 §2.1: every code-flow client registers its redirect URIs.
    if (client.redirectUris === undefined) {
      errors.push({ pointer: '/redirectUris', detail: 'is required with the authorization_code grant' });
    }
  } else {
    for (const field of CODE_FLOW_FIELDS) {
      if (client[field] !== undefined) {
        errors.push({ pointer: `/${field}`, detail: 'applies only to clients with the authorization_code grant' });
      }
    }
  }
  if (usesRefreshTokens(client)) {
    if (client.refreshTokenIdleTtl !== undefined && client.refreshTokenIdleTtl > refreshTokenTtlOf(client)) {
      errors.push({
        pointer: '/refreshTokenIdleTtl',
        detail: `must be at most refreshTokenTtl (${refreshTokenTtlOf(client)})`,
      });
    }
  } else {
    for (const field of REFRESH_TOKEN_FIELDS) {
      if (client[field] !== undefined) {
        errors.push({ pointer: `/${field}`, detail: 'applies only to clients with the refresh_token grant' });
      }
    }
  }
  return errors;
}

/**
 * Refuses a client the cross-field rules refuse.
 * @throws ProblemError 400 `validation-error` naming every field to change
 */
export function checkClientRegistration(client: Client): void {
  const errors = clientRegistrationErrors(client);
  if (errors.length > 0) throw validationProblem(errors);
}

/**
 * What a change of a stored client may not do to the parts it holds: become public while it holds
 * secrets (a public client has none), or drop the grant type its rules need (client rules need
 * `client_credentials`, user rules `authorization_code`).
 * @throws ProblemError 409 `public-client` or `in-use`
 */
export function checkClientParts(bundle: ClientBundle, next: Client): void {
  const id = next.clientId;
  if (isPublicClient(next) && !isPublicClient(bundle.client) && bundle.secrets.length > 0) {
    throw new ProblemError(
      'public-client',
      `client ${id} holds ${bundle.secrets.length} secret(s); revoke them before it becomes public (none)`,
    );
  }
  const needs = [
    { subjectType: 'client', grantType: 'client_credentials' },
    { subjectType: 'user', grantType: 'authorization_code' },
  ] as const;
  for (const { subjectType, grantType } of needs) {
    const rules = rulesFor(bundle.rules, subjectType);
    if (rules.length > 0 && !next.grantTypes.includes(grantType)) {
      throw new ProblemError(
        'in-use',
        `client ${id} holds ${rules.length} ${subjectType} rule(s) (${rules
          .slice(0, 5)
          .map((r) => r.audience)
          .join(', ')}${rules.length > 5 ? ', ...' : ''}), which need the ${grantType} grant; delete them first`,
      );
    }
  }
}
