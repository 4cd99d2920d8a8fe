/**
 * The code-exchange bench's "store in memory" variant (what node-oidc-provider's in-memory adapter
 * does): authorization codes in a Map with the repository's single-use semantics, and user bundles
 * kept after their first read. No DynamoDB call on the exchange path, so the row shows the cost of
 * HTTP, the grant and the two signatures alone. Bench only: a Map is one process's memory, never a
 * store for several function instances.
 */
import type { AuthorizationCode, IssuedFromCode, UserBundle } from '../lambdas/domain/people/model';
import type { AuthorizationCodeRepository, CodeRedemption, UserRepository } from '../lambdas/domain/people/ports';

/** Codes by digest; consuming one is a synchronous check-and-set, so of concurrent redemptions one wins. */
export class InMemoryCodes implements Pick<AuthorizationCodeRepository, 'createCode' | 'redeemCode'> {
  private readonly codes = new Map<string, AuthorizationCode>();

  createCode(code: AuthorizationCode): Promise<void> {
    if (this.codes.has(code.digest)) return Promise.reject(new Error('an authorization code with this digest exists'));
    this.codes.set(code.digest, { ...code });
    return Promise.resolve();
  }

  redeemCode(digest: string, at: string, issued: IssuedFromCode): Promise<CodeRedemption> {
    const code = this.codes.get(digest);
    if (code === undefined) return Promise.resolve({ outcome: 'unknown' });
    if (code.consumedAt !== undefined) {
      return Promise.resolve(
        code.issued === undefined ? { outcome: 'reused' } : { outcome: 'reused', issued: code.issued },
      );
    }
    code.consumedAt = at;
    code.issued = issued;
    return Promise.resolve({ outcome: 'redeemed', code: { ...code } });
  }
}

/** `loadUser` read once per user from `inner`, then from memory. */
export function memoizedUsers(inner: Pick<UserRepository, 'loadUser'>): Pick<UserRepository, 'loadUser'> {
  const users = new Map<string, Promise<UserBundle | undefined>>();
  return {
    loadUser: (userId) => {
      let user = users.get(userId);
      if (user === undefined) {
        user = inner.loadUser(userId);
        users.set(userId, user);
      }
      return user;
    },
  };
}
