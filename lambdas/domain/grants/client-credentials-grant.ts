/**
 * The client credentials grant (RFC 6749 §4.4): an authenticated confidential client receives an
 * RFC 9068 access token for one API with the scopes its rules grant. No refresh token (RFC 6749
 * §4.4.3).
 */
import { SECRET_AUTH_METHODS } from '../client-auth/methods';
import type { TokenRequest } from '../endpoints/token-request';
import { InvalidScopeError, InvalidTargetError } from '../errors';
import { rulesFor } from '../model';
import type { Rule } from '../model';
import { NoRuleForAudience, resolveGrant } from '../scope-resolution';
import type { ResolvedGrant } from '../scope-resolution';
import { DEFAULT_TOKEN_REUSE, IssuedTokenCache, reuseEnabled, tokenFingerprint } from '../token-reuse';
import { accessTokenClaims, accessTokenTtl, signAccessToken } from '../tokens/access-token';
import type { IssuedToken } from '../tokens/token-response';
import type { Grant, GrantContext, GrantDeps, GrantDescriptor } from './grant';

/** The grant type and the methods it accepts: RFC 6749 §4.4 is for confidential clients only, never `none`. */
export const CLIENT_CREDENTIALS: GrantDescriptor = {
  grantType: 'client_credentials',
  authMethods: SECRET_AUTH_METHODS,
};

/** What the grant reads from the request (RFC 6749 §4.4.2; RFC 8707 §2 / Auth0 `audience`). */
export interface ClientCredentialsParams {
  /** Requested scope tokens in request order, de-duplicated; undefined when `scope` was omitted. */
  scopes?: string[];
  /** Requested API identifier. */
  audience?: string;
}

/** The client credentials grant; built once per cold start (it holds the token-reuse cache). */
export class ClientCredentialsGrant implements Grant<ClientCredentialsParams> {
  readonly grantType = CLIENT_CREDENTIALS.grantType;
  readonly authMethods = CLIENT_CREDENTIALS.authMethods;

  private readonly reuse: IssuedTokenCache;

  constructor(private readonly deps: GrantDeps) {
    this.reuse = new IssuedTokenCache(deps.config.tokenReuse ?? DEFAULT_TOKEN_REUSE);
  }

  /** `scope` and `audience`/`resource`, already checked against their grammar by the request parser. */
  read(request: TokenRequest): ClientCredentialsParams {
    return { scopes: request.scopes, audience: request.audience };
  }

  /**
   * Issues a token for an authenticated client; `bundle` is the client's item collection, read with it.
   * @throws InvalidScopeError, InvalidTargetError, DependencyUnavailableError
   */
  async issue({ params, client: { client }, bundle }: GrantContext<ClientCredentialsParams>): Promise<IssuedToken> {
    // Only the client's own rules: a `user` rule is what it may request for a signed-in user, never
    // what it obtains for itself (docs/contract.md, Admin API › Rules).
    const grant = await this.resolve(params, rulesFor(bundle.rules, 'client'));
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

  private async resolve(params: ClientCredentialsParams, rules: Rule[]): Promise<ResolvedGrant> {
    try {
      return resolveGrant(params.audience, params.scopes, rules);
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
