/**
 * The shape every grant of the token endpoint takes (RFC 6749 §4; one file per grant in this folder,
 * registered in registry.ts): its `grant_type`, the client authentication methods it accepts, what it
 * reads from the request, and how it issues a token for an authenticated client.
 *
 * The endpoint runs a grant in this order: {@link Grant.read} (no I/O: malformed input is answered
 * first), client authentication (one store read), the client's `grantTypes` check, then
 * {@link Grant.issue}.
 */
import type { AuthenticatedClient } from '../client-auth/client-authentication';
import type { ClientAuthMethod } from '../client-auth/methods';
import type { TokenRequest } from '../endpoints/token-request';
import type { ClientBundle, GrantType } from '../model';
import type {
  AuthorizationCodeRepository,
  RefreshSessionRepository,
  RevocationRepository,
  UserRepository,
} from '../people/ports';
import type { Clock, IdGenerator, Logger, TokenPathReads, TokenSigner } from '../ports';
import type { IssuedToken } from '../tokens/token-response';
import type { TokenReuseConfig } from '../token-reuse';

/** Configuration every grant shares. */
export interface TokenServiceConfig {
  /** The issuer identifier (RFC 8414 §2): the `iss` of every token. */
  issuer: string;
  /** Lifetime when neither the client nor the API sets one, seconds. */
  defaultAccessTokenTtl: number;
  /**
   * Token reuse for clients and APIs that opt in (token-reuse.ts).
   * @default DEFAULT_TOKEN_REUSE
   */
  tokenReuse?: TokenReuseConfig;
}

/**
 * What the grants for people use on the token path: redeeming a code (one conditional write), reading
 * its user (one read), refresh-token sessions (started by a code redemption, rotated by one
 * conditional write), and, on a reused code or refresh token, the deny-list (docs/contract.md, Token
 * endpoint).
 */
export interface PeopleTokenPath {
  codes: Pick<AuthorizationCodeRepository, 'redeemCode'>;
  users: Pick<UserRepository, 'loadUser'>;
  revocations: Pick<RevocationRepository, 'denyAccessToken'>;
  sessions: Pick<RefreshSessionRepository, 'createSession' | 'rotate' | 'revokeSession' | 'refuseSession'>;
}

/** What grants are built with (once per cold start). */
export interface GrantDeps {
  store: TokenPathReads;
  people: PeopleTokenPath;
  signer: TokenSigner;
  clock: Clock;
  ids: IdGenerator;
  config: TokenServiceConfig;
  /** Security events (a reused code); the token endpoint passes its own. */
  logger?: Logger;
}

/** What a grant works on once the client is authenticated. */
export interface GrantContext<P> {
  /** The parsed request (every parameter in `params`). */
  request: TokenRequest;
  /** What {@link Grant.read} returned for this request. */
  params: P;
  /** The authenticated client and how it authenticated. */
  client: AuthenticatedClient;
  /** The client's item collection (client, secrets, rules), read once with the authentication. */
  bundle: ClientBundle;
}

/** What a grant is, without its dependencies: enough for the registry and discovery. */
export interface GrantDescriptor {
  /** The `grant_type` value it answers (RFC 6749 §4.1.3, §4.4.2, §6). */
  readonly grantType: GrantType;
  /**
   * Client authentication methods it accepts (RFC 6749 §2.3). A method outside this list is
   * answered `invalid_client` before any store read; `client_credentials` never accepts `none`.
   */
  readonly authMethods: readonly ClientAuthMethod[];
}

/** One grant type of the token endpoint (RFC 6749 §4). `P` is what it reads from the request. */
export interface Grant<P = unknown> extends GrantDescriptor {
  /**
   * Reads and validates the grant's own parameters, before any I/O.
   * @throws OAuthError (typically InvalidRequestError) for a malformed or missing parameter
   */
  read(request: TokenRequest): P;
  /**
   * Issues the token response for an authenticated client registered for this grant.
   * @throws OAuthError for RFC 6749 §5.2 refusals, DependencyUnavailableError when a dependency fails
   */
  issue(context: GrantContext<P>): Promise<IssuedToken>;
  /**
   * The refusal of a client that authenticated but is disabled, when the grant answers it in its own
   * terms; without it the endpoint answers `invalid_client` (RFC 6749 §5.2) as for client credentials.
   */
  disabledClientError?(): Error;
}
