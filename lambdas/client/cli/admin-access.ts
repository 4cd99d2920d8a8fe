/**
 * The admin API as the admin commands reach it: a client with resolved credentials (an admin client's,
 * or a person's stored sign-in, credentials.ts says in which order), and paging.
 */
import { AdminClient } from '../admin-client';
import type { AdminTokenSource, Page } from '../admin-client';
import { TokenClient } from '../token-client';
import type { TokenRequest } from '../token-types';
import { flag, str } from './args';
import type { Invocation } from './command';
import { CliFailure } from './command';
import { adminCredentials, resolveIssuer } from './credentials';
import type { StoredLogin } from './token-store';

/** A stored access token this close to its expiry counts as expired, ms (a request takes time). */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * A person's stored access token as the admin client's token source: sent as it is (no refresh
 * tokens yet), refused up front once expired or when it is for another API, and a 401 from the admin
 * API (RFC 6750 §3.1 `invalid_token`: revoked, keys rotated away) says to sign in again.
 */
export function storedTokenSource(
  issuer: string,
  login: StoredLogin,
  doFetch: typeof fetch = (input, init) => fetch(input, init),
  now: () => number = Date.now,
): AdminTokenSource {
  return {
    async authorizedFetch(input: string | URL | Request, init: RequestInit | undefined, request: TokenRequest) {
      const who = login.username ?? login.subject;
      if (Date.parse(login.expiresAt) - EXPIRY_MARGIN_MS <= now()) {
        throw new CliFailure(`your sign-in to ${issuer} as ${who} expired at ${login.expiresAt}: run idp login`);
      }
      if (request.audience !== undefined && login.audience !== request.audience) {
        throw new CliFailure(
          `your sign-in to ${issuer} is for ${login.audience ?? 'no API'}, not ${request.audience}: run idp login`,
        );
      }
      const headers = new Headers(init?.headers);
      headers.set('Authorization', `Bearer ${login.accessToken}`);
      const response = await doFetch(input, { ...init, headers });
      if (response.status === 401) {
        await response.body?.cancel().catch(() => undefined);
        const reason = bearerErrorDescription(response.headers.get('www-authenticate'));
        throw new CliFailure(
          `the admin API of ${issuer} refused your sign-in as ${who}${reason === undefined ? '' : ` (${reason})`}: ` +
            'run idp login',
        );
      }
      return response;
    },
  };
}

/** RFC 6750 §3: the `error_description` of a Bearer challenge, or undefined. */
export function bearerErrorDescription(challenge: string | null): string | undefined {
  const match = challenge === null ? null : /\berror_description="([^"]*)"/i.exec(challenge);
  return match === null ? undefined : match[1];
}

/** An admin API client for the invocation's issuer and admin credentials. */
export async function adminClient(inv: Invocation): Promise<AdminClient> {
  const issuer = resolveIssuer(inv);
  const credentials = await adminCredentials(inv.io, issuer);
  if (credentials.kind === 'login') {
    return new AdminClient({ issuer, tokenClient: storedTokenSource(issuer, credentials.login, inv.io.fetch) });
  }
  const tokenClient = new TokenClient({
    issuer,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    fetch: inv.io.fetch,
  });
  return new AdminClient({ issuer, tokenClient });
}

/** One page from `--cursor`, or with `--all` every page from there (as one page without a cursor). */
export async function listing<T>(
  inv: Invocation,
  list: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<Page<T>> {
  if (flag(inv, 'all')) {
    const items: T[] = [];
    let cursor = str(inv, 'cursor');
    for (let page = 0; page < 1000; page++) {
      const result = await list(cursor);
      items.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) return { items };
    }
    throw new CliFailure('more than 1000 pages; narrow the listing');
  }
  return list(str(inv, 'cursor'));
}
