/**
 * Token reuse (opt-in per client or per API): a repeated request for the same client, audience and
 * scope set gets the still-valid token it was given before, with the remaining `expires_in`, as long
 * as more than a configured fraction of its life remains. It saves the KMS `Sign` (the dominant cost
 * per token) and the signing latency; the store read that authenticates the client still happens on
 * every request, which is what makes invalidation exact:
 *
 * each entry carries a fingerprint of everything the token was derived from — the client's version
 * and status, its set of secrets, the rule it was issued under (scopes, claims, TTL), the signing key
 * (`kid`) and the issuer. The fingerprint of the request's fresh bundle must match, so disabling the
 * client, revoking or adding a secret, changing the rule or rotating the signing key all invalidate
 * at once, without a cache-invalidation protocol.
 *
 * The cache lives in the memory of one function instance (a Lambda execution environment, or the
 * local server), bounded in entries (least recently used evicted first).
 */
import { rulesFor } from './model';
import type { ClientBundle } from './model';
import type { ResolvedGrant } from './scope-resolution';

export interface TokenReuseConfig {
  /**
   * Reuse a token only while more than this fraction of its lifetime remains (0 < f < 1).
   * @default 0.5
   */
  minRemainingFraction: number;
  /**
   * Entries kept per function instance.
   * @default 10000
   */
  maxEntries: number;
}

export const DEFAULT_TOKEN_REUSE: TokenReuseConfig = { minRemainingFraction: 0.5, maxEntries: 10_000 };

/** A token kept for reuse. */
export interface ReusableToken {
  accessToken: string;
  jti: string;
  scope: string;
  /** `exp`, seconds since the epoch. */
  expiresAt: number;
  /** The lifetime it was issued with, seconds. */
  ttl: number;
}

interface Entry {
  fingerprint: string;
  token: ReusableToken;
}

/** Whether reuse is enabled for this client and grant (the client's flag or the API's, via its rule). */
export function reuseEnabled(bundle: ClientBundle, grant: ResolvedGrant): boolean {
  return bundle.client.tokenReuse === true || grant.apiTokenReuse === true;
}

/** Everything the token was derived from; any change means a new token. */
export function tokenFingerprint(bundle: ClientBundle, grant: ResolvedGrant, kid: string, issuer: string): string {
  const { client } = bundle;
  const rule = rulesFor(bundle.rules, 'client').find((r) => r.audience === grant.audience);
  return JSON.stringify([
    issuer,
    kid,
    client.version,
    client.status,
    client.accessTokenTtl ?? null,
    bundle.secrets.map((s) => `${s.secretId}@${s.expiresAt ?? ''}`).sort(),
    rule === undefined ? null : [rule.scopes, rule.claims ?? null, rule.apiAccessTokenTtl ?? null, rule.createdAt],
  ]);
}

export class IssuedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly config: TokenReuseConfig = DEFAULT_TOKEN_REUSE) {
    if (!(config.minRemainingFraction > 0 && config.minRemainingFraction < 1)) {
      throw new Error('minRemainingFraction must be between 0 and 1');
    }
    if (!(config.maxEntries >= 1)) throw new Error('maxEntries must be at least 1');
  }

  /** The cache key: client, audience and the scope set (order-insensitive). */
  static key(clientId: string, grant: ResolvedGrant): string {
    return JSON.stringify([clientId, grant.audience, [...grant.scopes].sort()]);
  }

  /** A token still worth reusing at `nowSeconds` for this fingerprint, else undefined (and the entry dropped). */
  get(key: string, fingerprint: string, nowSeconds: number): ReusableToken | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const remaining = entry.token.expiresAt - nowSeconds;
    if (entry.fingerprint !== fingerprint || remaining <= entry.token.ttl * this.config.minRemainingFraction) {
      this.entries.delete(key);
      return undefined;
    }
    // Least recently used last: re-insert on use.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.token;
  }

  set(key: string, fingerprint: string, token: ReusableToken): void {
    this.entries.delete(key);
    this.entries.set(key, { fingerprint, token });
    while (this.entries.size > this.config.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
