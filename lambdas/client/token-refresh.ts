/**
 * Refresh-token use with rotation (RFC 6749 §6, RFC 9700 §4.14.2) for the token client: a
 * {@link RefreshTokenSession} holds the newest refresh token of one session and trades it for new
 * tokens. Dependency-free like the rest of the client (the global `fetch`, `Buffer`).
 *
 * - Every successful refresh returns a new refresh token; the session keeps it at once and hands it to
 *   `onRotate` (to persist it) before the caller sees the tokens. The consumed one is never sent again.
 * - Single flight: concurrent callers share one request, so one token is never presented twice (the
 *   server treats a second presentation as a theft and revokes the whole session).
 * - No automatic retry: a request that may have reached the server may have consumed the token, and
 *   resending it would look like a reuse. A network error, 5xx or 429 throws and keeps the token (the
 *   caller decides to try again); `invalid_grant` means the session is over and the token is dropped
 *   (`refreshToken` becomes `undefined`, later calls throw without a request).
 */
import { checkUrl } from './endpoint-discovery';
import type { RetryingHttp } from './retrying-http';
import { readJson } from './retrying-http';
import { TokenClientError, TokenEndpointError, TokenNetworkError } from './token-errors';
import { formEncode, parseTokenResponse, tokenErrorResponse } from './token-exchange';
import type { AccessToken, TokenClientLogger } from './token-types';

/** How a refresh-token client authenticates: as registered, or `none` for a public client. */
export type RefreshClientAuth =
  | { method: 'none'; clientId: string }
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: string };

/** What a refresh answered: the access token, the new refresh token, and an ID token when `openid` was granted. */
export interface RefreshedTokens extends AccessToken {
  refreshToken: string;
  idToken?: string;
}

export interface RefreshTokenSessionOptions {
  tokenEndpoint: string;
  client: RefreshClientAuth;
  /** The refresh token to start from (from the code exchange, or as persisted). */
  refreshToken: string;
  /** Called with every new refresh token before the tokens are returned (persist it there). */
  onRotate?: (refreshToken: string) => void | Promise<void>;
  /** One HTTP attempt; the token client's `RetryingHttp` (its `send` only: no retries here). */
  http: Pick<RetryingHttp, 'send' | 'retryAfterMs'>;
  clock: () => number;
  logger?: TokenClientLogger;
  redact?: (text: string) => string;
  allowInsecureHttp?: boolean;
}

/** Holds the newest refresh token of one session and refreshes with it; see the module comment. */
export class RefreshTokenSession {
  #refreshToken: string | undefined;
  #inFlight: Promise<RefreshedTokens> | undefined;
  readonly #options: RefreshTokenSessionOptions;

  constructor(options: RefreshTokenSessionOptions) {
    checkUrl(options.tokenEndpoint, 'tokenEndpoint', options.allowInsecureHttp ?? false);
    if (typeof options.refreshToken !== 'string' || options.refreshToken === '') {
      throw new TokenClientError('refreshToken is required');
    }
    this.#options = options;
    this.#refreshToken = options.refreshToken;
  }

  /** The newest refresh token; `undefined` once the server ended the session (`invalid_grant`). */
  get refreshToken(): string | undefined {
    return this.#refreshToken;
  }

  /**
   * New tokens for the held refresh token (optionally a narrower `scope`, RFC 6749 §6); concurrent
   * calls share one request.
   * @throws TokenEndpointError (an `invalid_grant` also ends the session), TokenNetworkError, TokenClientError
   */
  refresh(scope?: string | readonly string[]): Promise<RefreshedTokens> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const run = this.#send(scope).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = run;
    return run;
  }

  toString(): string {
    return `RefreshTokenSession(${this.#options.client.clientId})`;
  }

  toJSON(): Record<string, string> {
    return { clientId: this.#options.client.clientId };
  }

  async #send(scope: string | readonly string[] | undefined): Promise<RefreshedTokens> {
    const token = this.#refreshToken;
    if (token === undefined) throw new TokenClientError('the refresh-token session has ended; sign in again');
    const { client, http, clock } = this.#options;
    const redact = (text: string) => {
      const own = text.split(token).join('[redacted]');
      return this.#options.redact?.(own) ?? own;
    };
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token });
    const scopes = scope === undefined ? [] : typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [...scope];
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (client.method === 'client_secret_basic') {
      const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
      headers['Authorization'] = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', client.clientId);
      if (client.method === 'client_secret_post') form.set('client_secret', client.clientSecret);
    }
    const sentAt = clock();
    this.#options.logger?.debug?.('refresh request', { clientId: client.clientId });
    const response = await http.send(this.#options.tokenEndpoint, { method: 'POST', headers, body: form.toString() });
    if (response instanceof TokenNetworkError) throw response;
    const json = await readJson(response);
    if (!response.ok) {
      const failure = tokenErrorResponse(response.status, json, redact, http.retryAfterMs(response));
      // RFC 6749 §5.2: the refresh token is invalid, expired, revoked or was reused: the session is over.
      if (failure.error instanceof TokenEndpointError && failure.error.error === 'invalid_grant') {
        this.#refreshToken = undefined;
      }
      throw failure.error;
    }
    const access = parseTokenResponse(json, scopes, sentAt);
    const next = json?.['refresh_token'];
    if (access instanceof TokenEndpointError) throw access;
    if (typeof next !== 'string' || next === '') {
      // The token was consumed (200) but no successor came: the session cannot continue.
      this.#refreshToken = undefined;
      throw new TokenEndpointError({
        error: 'invalid_response',
        errorDescription: 'the response has no refresh_token',
        status: 200,
      });
    }
    this.#refreshToken = next;
    await this.#options.onRotate?.(next);
    const idToken = json?.['id_token'];
    return { ...access, refreshToken: next, ...(typeof idToken === 'string' ? { idToken } : {}) };
  }
}
