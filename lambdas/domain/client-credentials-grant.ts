/**
 * The client credentials grant (RFC 6749 §4.4): an authenticated client receives an RFC 9068 access
 * token for one API with the scopes its rules grant. No refresh token (RFC 6749 §4.4.3).
 */
import { accessTokenClaims, accessTokenTtl, signAccessToken } from './access-token';
import type { AuthenticatedClient } from './client-authentication';
import { InvalidScopeError, InvalidTargetError, UnauthorizedClientError } from './errors';
import type { ClientBundle, Rule } from './model';
import type { Clock, IdGenerator, TokenPathReads, TokenSigner } from './ports';
import { NoRuleForAudience, resolveGrant } from './scope-resolution';
import type { ResolvedGrant } from './scope-resolution';
import type { TokenRequest } from './token-request';
import { DEFAULT_TOKEN_REUSE, IssuedTokenCache, reuseEnabled, tokenFingerprint } from './token-reuse';
import type { TokenReuseConfig } from './token-reuse';

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
  /** True when a still-valid earlier token was returned instead of signing a new one. */
  reused: boolean;
}

export interface ClientCredentialsGrantDeps {
  store: TokenPathReads;
  signer: TokenSigner;
  clock: Clock;
  ids: IdGenerator;
  config: TokenServiceConfig;
}

export class ClientCredentialsGrant {
  static readonly grantType = 'client_credentials';

  private readonly reuse: IssuedTokenCache;

  constructor(private readonly deps: ClientCredentialsGrantDeps) {
    this.reuse = new IssuedTokenCache(deps.config.tokenReuse ?? DEFAULT_TOKEN_REUSE);
  }

  /**
   * Issues a token for an authenticated client; `bundle` is the client's item collection, read with it.
   * @throws UnauthorizedClientError, InvalidScopeError, InvalidTargetError, DependencyUnavailableError
   */
  async issue(request: TokenRequest, { client }: AuthenticatedClient, bundle: ClientBundle): Promise<IssuedToken> {
    if (!client.grantTypes.includes('client_credentials')) {
      throw new UnauthorizedClientError('client is not authorized to use the client_credentials grant');
    }
    const grant = await this.resolve(request, bundle.rules);
    const { clock, ids, config, signer } = this.deps;
    const issuedAt = Math.floor(clock.now() / 1000);

    const reuse = reuseEnabled(bundle, grant);
    const key = reuse ? IssuedTokenCache.key(client.clientId, grant) : '';
    const fingerprint = reuse ? tokenFingerprint(bundle, grant, signer.kid, config.issuer) : '';
    const kept = reuse ? this.reuse.get(key, fingerprint, issuedAt) : undefined;
    if (kept !== undefined) {
      return {
        body: {
          access_token: kept.accessToken,
          token_type: 'Bearer',
          expires_in: kept.expiresAt - issuedAt,
          scope: kept.scope,
        },
        audience: grant.audience,
        jti: kept.jti,
        reused: true,
      };
    }

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
    const scope = grant.scopes.join(' ');
    if (reuse) this.reuse.set(key, fingerprint, { accessToken, jti, scope, expiresAt: issuedAt + ttl, ttl });
    return {
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope },
      audience: grant.audience,
      jti,
      reused: false,
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
