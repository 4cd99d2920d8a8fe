/**
 * The userinfo endpoint (OIDC Core §5.3), `GET|POST /oauth2/userinfo`: a protected resource (RFC 6750)
 * that answers the signed-in user's claims for the scopes of the access token presented.
 *
 * - The token comes in `Authorization: Bearer` (RFC 6750 §2.1) or, for POST, as the form parameter
 *   `access_token` (§2.2); never in the URI (§2.3 is not supported: `invalid_request`), never by two
 *   methods at once (§2).
 * - It is verified by the same verifier as the admin API's tokens ({@link AccessTokenVerifierPort}:
 *   signature from the JWKS, `iss`, `typ: at+jwt`, `exp`), with `aud` including
 *   `<issuer>/oauth2/userinfo` (the verifier is built with that audience); its scope must hold
 *   `openid` (403 `insufficient_scope` otherwise).
 * - A `jti` on the deny-list (a reused code's token), a deleted or disabled user → 401 `invalid_token`.
 * - 200 `{sub, …claims}` (people/oidc-claims.ts, the same claims as the ID token), `no-store`.
 * - Refusals are RFC 6750 §3: `WWW-Authenticate: Bearer realm="<issuer>", error=…, error_description=…`
 *   and the same `{error, error_description}` as JSON; no error code when no token was sent (§3.1).
 *
 * Cost: the verification (JWKS cached), then one deny-list read and one user read, concurrently.
 */
import {
  bearerChallenge,
  InvalidAccessTokenError,
  MAX_BEARER_TOKEN_LENGTH,
  parseBearerAuthorization,
} from '../bearer-authorization';
import type { AccessTokenVerifierPort, BearerErrorCode, BearerGrant } from '../bearer-authorization';
import { DependencyUnavailableError, describeError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import { mediaType, NO_STORE_HEADERS } from '../http';
import { OPENID_SCOPE, userClaims } from '../people/oidc-claims';
import type { RevocationRepository, UserRepository } from '../people/ports';
import type { Logger } from '../ports';

/** What the userinfo endpoint is built with (once per cold start). */
export interface UserinfoDeps {
  /** The issuer: the `realm` of challenges. */
  issuer: string;
  /** Verifies access tokens for the audience `<issuer>/oauth2/userinfo` (any subject). */
  verifier: AccessTokenVerifierPort;
  users: Pick<UserRepository, 'loadUser'>;
  revocations: Pick<RevocationRepository, 'isAccessTokenDenied' | 'isSessionDenied'>;
  logger: Logger;
}

/** Largest form body read for `access_token` (RFC 6750 §2.2), bytes. */
export const MAX_USERINFO_BODY_BYTES = 16 * 1024;

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** A refusal in RFC 6750 §3 terms. */
interface Refusal {
  status: 400 | 401 | 403;
  /** Absent when the request carried no token at all (RFC 6750 §3.1). */
  error?: BearerErrorCode;
  description: string;
  scope?: string[];
}

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.description);
  }
}

/** The verifier could not check the token (JWKS unreachable): not the token's fault. */
class VerificationUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super('the access token could not be verified');
    this.name = 'VerificationUnavailable';
  }
}

const invalidRequest = (description: string) => new Refused({ status: 400, error: 'invalid_request', description });
const invalidToken = (description: string) => new Refused({ status: 401, error: 'invalid_token', description });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The userinfo endpoint. */
export class UserinfoEndpoint {
  constructor(private readonly deps: UserinfoDeps) {}

  /** Answers one userinfo request; never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      return {
        status: 405,
        headers: { 'Content-Type': 'application/json', Allow: 'GET, POST', ...NO_STORE_HEADERS },
        body: JSON.stringify({ error: 'invalid_request', error_description: 'userinfo accepts GET and POST' }),
      };
    }
    try {
      const grant = await this.verify(bearerToken(req));
      // OIDC Core §5.3: the token must have been granted the openid scope.
      if (!grant.scope.includes(OPENID_SCOPE)) {
        throw new Refused({
          status: 403,
          error: 'insufficient_scope',
          description: 'the access token lacks the openid scope',
          scope: [OPENID_SCOPE],
        });
      }
      const sub = typeof grant.claims['sub'] === 'string' ? grant.claims['sub'] : '';
      const sid = typeof grant.claims['sid'] === 'string' ? grant.claims['sid'] : undefined;
      // The token's own jti, and its session's sid (a revoked refresh-token session ends its access
      // tokens too: docs/data-model.md, Sessions), read concurrently with the user.
      const [denied, sessionDenied, user] = await Promise.all([
        this.deps.revocations.isAccessTokenDenied(grant.jti),
        sid === undefined ? false : this.deps.revocations.isSessionDenied(sid),
        this.deps.users.loadUser(sub),
      ]);
      if (denied || sessionDenied) throw invalidToken('the access token was revoked');
      if (user === undefined || user.user.status !== 'enabled') throw invalidToken('the user is no longer active');
      // OIDC Core §5.3.2: sub first, then the claims the scopes release (§5.4).
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json', ...NO_STORE_HEADERS },
        body: JSON.stringify({ sub, ...userClaims(user.user, grant.scope) }),
      };
    } catch (err) {
      if (err instanceof Refused) return this.refusal(err.refusal);
      return this.failure(err);
    }
  }

  private async verify(token: string): Promise<BearerGrant> {
    try {
      return await this.deps.verifier.verify(token);
    } catch (err) {
      if (err instanceof InvalidAccessTokenError) throw invalidToken(err.description);
      // AccessTokenVerifierPort: anything else means the token could not be checked (the JWKS).
      throw new VerificationUnavailable(err);
    }
  }

  /** RFC 6750 §3: the challenge, and the same error as a JSON body. */
  private refusal(refusal: Refusal): HttpResponse {
    const { status, error, description, scope } = refusal;
    const challenge = bearerChallenge(this.deps.issuer, {
      status: status === 403 ? 403 : 401,
      ...(error === undefined ? {} : { error }),
      description,
      ...(scope === undefined ? {} : { scope }),
    });
    const headers = { 'WWW-Authenticate': challenge, ...NO_STORE_HEADERS };
    if (error === undefined) return { status, headers, body: '' };
    return {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ error, error_description: description }),
    };
  }

  /** Not the request's fault: 503 when a dependency (the JWKS, the table) is unavailable, else a logged 500. */
  private failure(err: unknown): HttpResponse {
    const transient = err instanceof DependencyUnavailableError || err instanceof VerificationUnavailable;
    this.deps.logger.error('userinfo could not be answered', {
      error: describeError(err),
      ...(err instanceof VerificationUnavailable ? { cause: describeError(err.cause) } : {}),
    });
    return {
      status: transient ? 503 : 500,
      headers: {
        'Content-Type': 'application/json',
        ...NO_STORE_HEADERS,
        ...(transient ? { 'Retry-After': '1' } : {}),
      },
      body: JSON.stringify({ error: transient ? 'temporarily_unavailable' : 'server_error' }),
    };
  }
}

/**
 * The one access token of the request (RFC 6750 §2): the Authorization header's Bearer token, or a
 * POST form body's `access_token`.
 * @throws Refused
 */
function bearerToken(req: HttpRequest): string {
  // RFC 6750 §2.3 (URI query parameter) is not supported: a token in a URL ends up in logs.
  if (new URLSearchParams(req.rawQuery).has('access_token')) {
    throw invalidRequest('the access token must not be sent in the URI');
  }
  const fromBody = req.method === 'POST' ? bodyToken(req) : undefined;
  const header = req.headers['authorization'];
  const parsed = parseBearerAuthorization(header);
  if ('token' in parsed) {
    if (fromBody !== undefined) throw invalidRequest('more than one method was used to send the access token');
    return parsed.token;
  }
  if (fromBody !== undefined && parsed.deny.error === undefined) return fromBody;
  const { error, description } = parsed.deny;
  if (error === 'invalid_request') throw invalidRequest(description);
  throw new Refused({ status: 401, ...(error === undefined ? {} : { error }), description });
}

/** RFC 6750 §2.2: `access_token` in an `application/x-www-form-urlencoded` body, once. */
function bodyToken(req: HttpRequest): string | undefined {
  if (mediaType(req.headers['content-type'])?.type !== 'application/x-www-form-urlencoded') return undefined;
  if (req.body.byteLength > MAX_USERINFO_BODY_BYTES) throw invalidRequest('the request body is too large');
  let text: string;
  try {
    text = utf8.decode(req.body);
  } catch {
    throw invalidRequest('the request body must be UTF-8 encoded');
  }
  const tokens = new URLSearchParams(text).getAll('access_token');
  if (tokens.length === 0) return undefined;
  if (tokens.length > 1) throw invalidRequest('parameter access_token is repeated');
  const token = tokens[0]!;
  if (token.length > MAX_BEARER_TOKEN_LENGTH) throw invalidToken('the access token is too long');
  if (!B64TOKEN.test(token)) throw invalidRequest('the access token is not a valid b64token');
  return token;
}
