/**
 * The token function's check of access tokens presented to its own revocation (RFC 7009) and
 * introspection (RFC 7662) endpoints: was this token signed by this issuer's keys, and is it live?
 * Any audience, any subject — the endpoints serve tokens of every API and decide ownership themselves
 * (lambdas/domain/endpoints/token-inspection.ts).
 *
 * Deliberately small and built on node:crypto alone: the token function's bundle has a budget
 * (docs/contract.md, Budgets: ≤ 500 KB), and aws-jwt-verify with the client's verifier
 * (lambdas/client/verify/, the one behind the authorizers) would not fit beside the SDK. The checks are
 * those that decide whether the claims may be trusted: compact JWS, `typ` at+jwt (RFC 9068 §4), `alg`
 * RS256/ES256 and equal to the key's (RFC 8725 §3.1), no `crit`, the signature with the JWK named by
 * `kid` from the issuer's JWKS only, `iss` exact, `exp` in the future and `nbf`/`iat` not (60 s of
 * leeway), `jti`, `client_id`, `sub` present.
 *
 * JWKS: preloaded (`IDP_JWKS`) or fetched from `<issuer>/.well-known/jwks.json`, refreshed once older
 * than `maxAgeSeconds` (300, the JWKS `max-age`) and fetched again for an unknown `kid` at most once
 * per `refetchSeconds` (60), so a flood of made-up `kid`s costs one fetch a minute.
 */
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import type { KeyObject, JsonWebKey } from 'node:crypto';
import type { AccessTokenVerifierPort, BearerGrant } from '../domain/bearer-authorization';
import { InvalidAccessTokenError } from '../domain/bearer-authorization';

export interface IssuedTokenVerifierOptions {
  /** The issuer, exactly as in `iss`. */
  issuer: string;
  /** A JWKS to start with (`{keys: [...]}`). */
  jwks?: { keys: readonly object[] };
  /** Where the JWKS comes from; default: GET `<issuer>/.well-known/jwks.json` with the global fetch. */
  fetchJwks?: (jwksUri: string) => Promise<unknown>;
  /** Default 300. */
  maxAgeSeconds?: number;
  /** Default 60. */
  refetchSeconds?: number;
  /** Clock, ms; default `Date.now`. */
  now?: () => number;
}

/** Leeway for `exp`, `nbf` and `iat`, seconds. */
const LEEWAY_SECONDS = 60;
const ALGORITHMS = new Set(['RS256', 'ES256']);

interface Key {
  alg?: string;
  key: KeyObject;
}

/** The JWKS could not be read: not the token's fault (the endpoints answer 503). */
export class IssuerKeysUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('the issuer keys could not be read');
    this.name = 'IssuerKeysUnavailableError';
  }
}

const reject = (description: string) => new InvalidAccessTokenError(description);

function segment(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw reject('the token is not a JWT');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw reject('the token is not a JWT');
  return parsed as Record<string, unknown>;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

async function defaultFetchJwks(uri: string): Promise<unknown> {
  const response = await fetch(uri, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
  return response.json();
}

/** See the module comment. Build one per cold start: it caches the JWKS. */
export class IssuedTokenVerifier implements AccessTokenVerifierPort {
  private readonly jwksUri: string;
  private readonly fetchJwks: (uri: string) => Promise<unknown>;
  private readonly maxAgeMs: number;
  private readonly refetchMs: number;
  private readonly now: () => number;
  private keys = new Map<string, Key>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: IssuedTokenVerifierOptions) {
    this.jwksUri = `${options.issuer}/.well-known/jwks.json`;
    this.fetchJwks = options.fetchJwks ?? defaultFetchJwks;
    this.maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;
    this.refetchMs = (options.refetchSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
    if (options.jwks !== undefined) {
      this.keys = keysOf(options.jwks);
      this.loadedAt = this.now();
    }
  }

  /**
   * @throws InvalidAccessTokenError for a token that is not a live access token of this issuer
   * @throws IssuerKeysUnavailableError when the JWKS could not be fetched
   */
  async verify(token: string): Promise<BearerGrant> {
    const parts = token.split('.');
    if (parts.length !== 3) throw reject('the token is not a JWT');
    const [h, p, s] = parts as [string, string, string];
    const header = segment(h);
    const typ = typeof header['typ'] === 'string' ? header['typ'].toLowerCase() : '';
    if (typ !== 'at+jwt' && typ !== 'application/at+jwt') throw reject('the token is not an at+jwt access token');
    const alg = header['alg'];
    if (typeof alg !== 'string' || !ALGORITHMS.has(alg)) throw reject('the token algorithm is not allowed');
    if (header['crit'] !== undefined) throw reject('the token has critical header parameters');
    const kid = header['kid'];
    if (!nonEmpty(kid)) throw reject('the access token names no signing key');
    const key = await this.key(kid);
    if (key === undefined) throw reject('the access token was signed with an unknown key');
    if (key.alg !== undefined && key.alg !== alg) throw reject('the token algorithm is not allowed');
    const signed = Buffer.from(`${h}.${p}`, 'ascii');
    const signature = Buffer.from(s, 'base64url');
    const ok =
      alg === 'ES256'
        ? verifySignature('sha256', signed, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
        : verifySignature('sha256', signed, key.key, signature);
    if (!ok) throw reject('the access token signature is invalid');

    const claims = segment(p);
    const nowSeconds = this.now() / 1000;
    if (claims['iss'] !== this.options.issuer) throw reject('the access token has the wrong issuer');
    const { exp, nbf, iat } = claims;
    if (typeof exp !== 'number' || exp <= nowSeconds - LEEWAY_SECONDS) throw reject('the access token expired');
    if (typeof nbf === 'number' && nbf > nowSeconds + LEEWAY_SECONDS) throw reject('the access token is not yet valid');
    if (typeof iat !== 'number' || iat > nowSeconds + LEEWAY_SECONDS) throw reject('the token has no valid iat claim');
    const { jti, sub, client_id: clientId, scope } = claims;
    if (!nonEmpty(jti) || !nonEmpty(sub) || !nonEmpty(clientId)) throw reject('the token lacks jti, sub or client_id');
    return {
      clientId,
      jti,
      scope: typeof scope === 'string' ? scope.split(' ').filter((v) => v !== '') : [],
      claims,
    };
  }

  /** The key named `kid`: from the cache while it is fresh, else after one (shared) fetch. */
  private async key(kid: string): Promise<Key | undefined> {
    const now = this.now();
    const stale = now - this.loadedAt >= this.maxAgeMs;
    const unknown = !this.keys.has(kid);
    if (stale || (unknown && now - this.fetchedAt >= this.refetchMs)) {
      try {
        await (this.loading ??= this.load().finally(() => (this.loading = undefined)));
      } catch (err) {
        // A stale but loaded JWKS still answers for the keys it holds; without one, nothing can be checked.
        if (this.keys.size === 0 || unknown) throw new IssuerKeysUnavailableError(err);
      }
    }
    return this.keys.get(kid);
  }

  private async load(): Promise<void> {
    this.fetchedAt = this.now();
    const keys = keysOf(await this.fetchJwks(this.jwksUri));
    this.keys = keys;
    this.loadedAt = this.now();
  }
}

/** The signing keys of a JWKS by `kid` (RFC 7517 §5); members that are not usable public keys are skipped. */
function keysOf(jwks: unknown): Map<string, Key> {
  const list = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('not a JWKS');
  const keys = new Map<string, Key>();
  for (const jwk of list as Record<string, unknown>[]) {
    if (!nonEmpty(jwk['kid']) || (jwk['use'] !== undefined && jwk['use'] !== 'sig')) continue;
    if ('d' in jwk) continue; // never a private key
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      keys.set(jwk['kid'], { key, ...(typeof jwk['alg'] === 'string' ? { alg: jwk['alg'] } : {}) });
    } catch {
      // not a key node:crypto can use: skipped
    }
  }
  return keys;
}
