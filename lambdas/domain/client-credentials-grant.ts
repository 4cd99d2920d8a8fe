/**
 * The client credentials grant (RFC 6749 §4.4): an authenticated client receives an RFC 9068 access
 * token for one API with the scopes its rules grant. No refresh token (RFC 6749 §4.4.3).
 */
import { accessTokenClaims, accessTokenTtl, signAccessToken } from './access-token';
import type { AuthenticatedClient } from './client-authentication';
import { InvalidScopeError, InvalidTargetError, UnauthorizedClientError } from './errors';
import type { Rule } from './model';
import type { Clock, IdGenerator, TokenSigner, TokenStore } from './ports';
import { NoRuleForAudience, resolveGrant } from './scope-resolution';
import type { ResolvedGrant } from './scope-resolution';
import type { TokenRequest } from './token-request';

export interface TokenServiceConfig {
  /** The issuer identifier (RFC 8414 §2): the `iss` of every token. */
  issuer: string;
  /** Lifetime when neither the client nor the API sets one, seconds. */
  defaultAccessTokenTtl: number;
}

/** RFC 6749 §5.1 successful response body. */
export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** A token issued, with what the endpoint logs about it. */
export interface IssuedToken {
  body: TokenResponseBody;
  audience: string;
  jti: string;
}

export interface ClientCredentialsGrantDeps {
  store: TokenStore;
  signer: TokenSigner;
  clock: Clock;
  ids: IdGenerator;
  config: TokenServiceConfig;
}

export class ClientCredentialsGrant {
  static readonly grantType = 'client_credentials';

  constructor(private readonly deps: ClientCredentialsGrantDeps) {}

  /**
   * Issues a token for an authenticated client; `rules` are the client's rules, read with it.
   * @throws UnauthorizedClientError, InvalidScopeError, InvalidTargetError, DependencyUnavailableError
   */
  async issue(request: TokenRequest, { client }: AuthenticatedClient, rules: Rule[]): Promise<IssuedToken> {
    if (!client.grantTypes.includes('client_credentials')) {
      throw new UnauthorizedClientError('client is not authorized to use the client_credentials grant');
    }
    const grant = await this.resolve(request, rules);
    const { clock, ids, config, signer } = this.deps;
    const issuedAt = Math.floor(clock.now() / 1000);
    const ttl = accessTokenTtl(client.accessTokenTtl, grant.apiAccessTokenTtl, config.defaultAccessTokenTtl);
    const jti = ids.tokenId();
    const claims = accessTokenClaims({
      issuer: config.issuer,
      clientId: client.clientId,
      audience: grant.audience,
      scopes: grant.scopes,
      claims: grant.claims,
      issuedAt,
      ttl,
      jti,
    });
    const accessToken = await signAccessToken(claims, signer);
    return {
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope: grant.scopes.join(' ') },
      audience: grant.audience,
      jti,
    };
  }

  private async resolve(request: TokenRequest, rules: Rule[]): Promise<ResolvedGrant> {
    try {
      return resolveGrant(request.audience, request.scopes, rules);
    } catch (err) {
      if (!(err instanceof NoRuleForAudience)) throw err;
      // Error path only: one more read tells an unknown API from one this client holds no rule for.
      if (!(await this.deps.store.apiExists(err.audience))) {
        throw new InvalidTargetError('unknown audience');
      }
      throw new InvalidScopeError('no scope is granted to this client on the requested audience');
    }
  }
}
