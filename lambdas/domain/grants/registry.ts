/**
 * The token endpoint's grants, registered in one place: the endpoint dispatches on `grant_type`
 * through {@link GrantRegistry}, and discovery lists {@link SUPPORTED_GRANT_TYPES} and
 * {@link SUPPORTED_AUTH_METHODS} (RFC 8414 §2). A new grant is one file in this folder and one entry
 * in {@link REGISTERED_GRANTS}.
 */
import { CLIENT_AUTH_METHODS } from '../client-auth/methods';
import type { ClientAuthMethod } from '../client-auth/methods';
import type { GrantType } from '../model';
import { AUTHORIZATION_CODE, AuthorizationCodeGrant } from './authorization-code-grant';
import { CLIENT_CREDENTIALS, ClientCredentialsGrant } from './client-credentials-grant';
import { REFRESH_TOKEN, RefreshTokenGrant } from './refresh-token-grant';
import type { Grant, GrantDeps, GrantDescriptor } from './grant';

/** A registered grant: its descriptor and how to build it. */
export interface GrantRegistration extends GrantDescriptor {
  create(deps: GrantDeps): Grant;
}

/** Every grant, in the order discovery lists them. */
export const REGISTERED_GRANTS: readonly GrantRegistration[] = [
  { ...AUTHORIZATION_CODE, create: (deps) => new AuthorizationCodeGrant(deps) },
  { ...CLIENT_CREDENTIALS, create: (deps) => new ClientCredentialsGrant(deps) },
  { ...REFRESH_TOKEN, create: (deps) => new RefreshTokenGrant(deps) },
];

/** RFC 8414 §2 `grant_types_supported`. */
export const SUPPORTED_GRANT_TYPES: readonly GrantType[] = REGISTERED_GRANTS.map((g) => g.grantType);

/**
 * RFC 8414 §2 `token_endpoint_auth_methods_supported`: the client authentication methods some
 * registered grant accepts, in {@link CLIENT_AUTH_METHODS} order.
 */
export const SUPPORTED_AUTH_METHODS: readonly ClientAuthMethod[] = CLIENT_AUTH_METHODS.filter((method) =>
  REGISTERED_GRANTS.some((g) => g.authMethods.includes(method)),
);

/** The grants built once (per cold start) with their dependencies, looked up by `grant_type`. */
export class GrantRegistry {
  private readonly grants: ReadonlyMap<string, Grant>;

  constructor(deps: GrantDeps, registrations: readonly GrantRegistration[] = REGISTERED_GRANTS) {
    this.grants = new Map(registrations.map((r) => [r.grantType, r.create(deps)]));
  }

  /** The grant for a `grant_type` value (compared exactly, RFC 6749 §4), or undefined. */
  find(grantType: string): Grant | undefined {
    return this.grants.get(grantType);
  }
}
