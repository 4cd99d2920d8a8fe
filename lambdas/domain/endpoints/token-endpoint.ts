/**
 * The token endpoint (RFC 6749 §3.2): parses the request, picks the grant registered for its
 * `grant_type`, authenticates the client with one store read, runs the grant and writes the RFC 6749
 * §5.1 / §5.2 response. Every response carries `Cache-Control: no-store` and `Pragma: no-cache`.
 * CORS (cors.ts): `OPTIONS` answers preflights; a response carries `Access-Control-Allow-Origin` only
 * for an `Origin` among the allowed origins of the client the request names, read with the client.
 */
import { authenticateClient, requireAcceptedMethod } from '../client-auth/client-authentication';
import type { AuthenticatedClient } from '../client-auth/client-authentication';
import { MAX_CLIENT_ID_LENGTH } from '../client-auth/credentials-reader';
import {
  InvalidClientError,
  InvalidGrantError,
  TemporarilyUnavailableError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../errors';
import type { OAuthError } from '../errors';
import type { Grant, GrantDeps } from '../grants/grant';
import { GrantRegistry } from '../grants/registry';
import type { HttpRequest, HttpResponse } from '../http';
import { NO_STORE_HEADERS } from '../http';
import type { ClientBundle } from '../model';
import type { Logger, SecretHasher } from '../ports';
import { GRANT_NAME, echo, restrictToErrorChars } from '../oauth-grammar';
import type { TokenResponseBody } from '../tokens/token-response';
import { withClientCors } from './cors';
import { notifyObserver, toOAuthError } from './endpoint-failures';
import { parseTokenRequest, presentedClient } from './token-request';

/** What happened to one token request, for metrics (never carries secrets or tokens). */
export type TokenOutcome =
  | {
      outcome: 'issued';
      clientId: string;
      audience: string;
      /** The secret the client authenticated with; absent for a public client (`none`). */
      secretId?: string;
      reused: boolean;
    }
  | { outcome: 'denied'; error: string; reason?: string; clientId?: string };

/** What the token endpoint is built with: the grants' dependencies, the secret hasher, logs and observers. */
export interface TokenEndpointDeps extends GrantDeps {
  hasher: SecretHasher;
  logger: Logger;
  /** Called once per request with its outcome (metrics, secret last-use tracking); a promise it returns is awaited. */
  observe?: (outcome: TokenOutcome) => unknown;
}

/** RFC 6749 §5.1: JSON with UTF-8. */
const JSON_UTF8 = 'application/json;charset=UTF-8';

/** The token endpoint; one instance per cold start (its grants hold per-instance caches). */
export class TokenEndpoint {
  private readonly grants: GrantRegistry;

  constructor(private readonly deps: TokenEndpointDeps) {
    this.grants = new GrantRegistry(deps);
  }

  /**
   * Answers one token request — or an `OPTIONS` preflight — and never throws (every failure is an RFC
   * 6749 §5.2 response).
   */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    return withClientCors(req, (read) => this.answer(req, read));
  }

  /** The RFC 6749 §5.1 / §5.2 answer; `read.bundle` is the named client's bundle once it is read. */
  private async answer(req: HttpRequest, read: { bundle?: ClientBundle }): Promise<HttpResponse> {
    let clientId: string | undefined;
    try {
      const request = parseTokenRequest(req);
      const grant = this.grants.find(request.grantType);
      if (grant === undefined) {
        const shown = echo(request.grantType, GRANT_NAME);
        throw new UnsupportedGrantTypeError(
          shown === undefined ? 'the grant type is not supported' : `grant type ${shown} is not supported`,
        );
      }
      const params = grant.read(request);
      const presented = requireAcceptedMethod(
        presentedClient(request),
        grant.authMethods,
        request.usedAuthorizationHeader,
      );
      const presentedId = presented.clientId;
      // An over-long id names no client: answered like an unknown one (the secret is still hashed),
      // never sent to the store, never echoed into logs or metrics.
      const lookup = presentedId.length <= MAX_CLIENT_ID_LENGTH;
      clientId = lookup ? presentedId : undefined;
      const bundle = lookup ? await this.deps.store.loadClientBundle(presentedId) : undefined;
      read.bundle = bundle;
      const authenticated = authenticatedFor(grant, () =>
        authenticateClient(presented, bundle, this.deps.hasher, this.deps.clock.now(), request.usedAuthorizationHeader),
      );
      // RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant type.
      if (!authenticated.client.grantTypes.includes(grant.grantType)) {
        throw new UnauthorizedClientError(`client is not authorized to use the ${grant.grantType} grant`);
      }
      // authenticateClient throws for a missing bundle, so it is defined here.
      const issued = await grant.issue({ request, params, client: authenticated, bundle: bundle! });
      await this.notify({
        outcome: 'issued',
        clientId: authenticated.client.clientId,
        audience: issued.audience,
        secretId: authenticated.secret?.secretId,
        reused: issued.reused,
      });
      return tokenResponse(issued.body);
    } catch (err) {
      return await this.errorResponse(err, clientId);
    }
  }

  /**
   * Observers (metrics, last-use tracking) never change or break the answer. A write they start is
   * awaited here, so on Lambda it completes within the invocation instead of in a frozen sandbox (the
   * last-use tracker writes at most once per secret per 5 minutes).
   */
  private async notify(outcome: TokenOutcome): Promise<void> {
    await notifyObserver(this.deps.observe, outcome, this.deps.logger, 'token outcome observer failed');
  }

  private async errorResponse(err: unknown, clientId: string | undefined): Promise<HttpResponse> {
    const error = toOAuthError(err, this.deps.logger, {
      unavailable: 'dependency unavailable',
      unexpected: 'unexpected error at the token endpoint',
    });
    const reason = error instanceof InvalidClientError || error instanceof InvalidGrantError ? error.reason : undefined;
    await this.notify({ outcome: 'denied', error: error.code, reason, clientId });
    return oauthErrorResponse(error, this.deps.config.issuer);
  }
}

function tokenResponse(body: TokenResponseBody): HttpResponse {
  return { status: 200, headers: { 'Content-Type': JSON_UTF8, ...NO_STORE_HEADERS }, body: JSON.stringify(body) };
}

/** RFC 6749 §5.2 error response. */
export function oauthErrorResponse(error: OAuthError, issuer: string): HttpResponse {
  const headers: Record<string, string> = { 'Content-Type': JSON_UTF8, ...NO_STORE_HEADERS };
  // RFC 6749 §5.2: a client that tried the Authorization header gets 401 with the matching challenge.
  if (error instanceof InvalidClientError && error.viaAuthorizationHeader) {
    headers['WWW-Authenticate'] = `Basic realm="${issuer}"`;
  }
  if (error instanceof TemporarilyUnavailableError) headers['Retry-After'] = String(error.retryAfterSeconds);
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ error: error.code, error_description: restrictToErrorChars(error.description) }),
  };
}

/**
 * Client authentication for `grant`: a client that proved who it is but is disabled is refused as the
 * grant says ({@link Grant.disabledClientError}), else as RFC 6749 §5.2 `invalid_client`.
 * @throws InvalidClientError, or the grant's own refusal of a disabled client
 */
function authenticatedFor(grant: Grant, authenticate: () => AuthenticatedClient): AuthenticatedClient {
  try {
    return authenticate();
  } catch (err) {
    if (err instanceof InvalidClientError && err.reason === 'client_disabled' && grant.disabledClientError) {
      throw grant.disabledClientError();
    }
    throw err;
  }
}
