/**
 * The token function's verifier of presented access tokens (lambdas/adapters/issued-token-verifier.ts):
 * tokens of this issuer with any audience and subject verify (RS256 and ES256); a forged signature,
 * another issuer, an expired or not-yet-valid token, a wrong `typ` or `alg`, `crit`, an unknown `kid`
 * are refused with InvalidAccessTokenError; the JWKS is fetched again for an unknown `kid` at most once
 * per interval, and a JWKS that cannot be read is IssuerKeysUnavailableError (not the token's fault).
 */
import { InvalidAccessTokenError } from '../../../lambdas/domain/bearer-authorization';
import { IssuedTokenVerifier, IssuerKeysUnavailableError } from '../../../lambdas/adapters/issued-token-verifier';
import { forgeSigned, generateTestKey, nowSeconds, projectClaims, projectToken } from '../../support/token-forge';
import type { TestKey } from '../../support/token-forge';

const ISSUER = 'https://idp.example.test';
let rsa: TestKey;
let ec: TestKey;
let other: TestKey;

beforeAll(async () => {
  [rsa, ec, other] = await Promise.all([generateTestKey('RS256'), generateTestKey('ES256'), generateTestKey('RS256')]);
});

/** Preloaded with `keys`; the issuer's JWKS (fetched for an unknown kid) holds the same. */
const verifier = (keys: TestKey[] = [rsa, ec]) => {
  const jwks = { keys: keys.map((k) => k.publicJwk) };
  return new IssuedTokenVerifier({ issuer: ISSUER, jwks, fetchJwks: () => Promise.resolve(jwks) });
};

describe('IssuedTokenVerifier', () => {
  it('verifies RS256 and ES256 tokens of the issuer for any audience and a person as subject', async () => {
    for (const key of [rsa, ec]) {
      const token = await projectToken(key, {
        audience: ['https://orders.example.com', `${ISSUER}/oauth2/userinfo`],
        subject: 'u-1',
      });
      const grant = await verifier().verify(token);
      expect(grant).toMatchObject({ clientId: 'client-1', scope: ['admin:read'], claims: { sub: 'u-1' } });
    }
  });

  it('refuses a forged signature, another issuer, expired and future tokens, typ, alg, crit and unknown kid', async () => {
    const v = verifier();
    const good = await projectToken(rsa);
    const [h, p] = good.split('.');
    const header = { alg: 'RS256', typ: 'at+jwt', kid: rsa.kid };
    const cases: [string, string][] = [
      ['forged', `${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`],
      ['other issuer', await projectToken(rsa, { issuer: 'https://evil.example' })],
      ['expired', await projectToken(rsa, { issuedAt: nowSeconds() - 7200, ttl: 3600 })],
      ['future', forgeSigned(rsa, header, { ...projectClaims(), nbf: nowSeconds() + 3600 })],
      ['typ', forgeSigned(rsa, { ...header, typ: 'JWT' }, projectClaims())],
      ['alg', forgeSigned(rsa, { ...header, alg: 'ES256' }, projectClaims())],
      ['crit', forgeSigned(rsa, { ...header, crit: ['x'] }, projectClaims())],
      ['kid', forgeSigned(other, { ...header, kid: other.kid }, projectClaims())],
      ['signed by another key under our kid', forgeSigned(other, header, projectClaims())],
      ['garbage', 'a.b.c'],
    ];
    for (const [name, token] of cases) {
      await expect(v.verify(token).catch((err: unknown) => [name, err])).resolves.toEqual([
        name,
        expect.any(InvalidAccessTokenError),
      ]);
    }
  });

  it('an unknown kid fetches the JWKS at most once per interval; an unreadable JWKS is not the token’s fault', async () => {
    let t = Date.now();
    let fetches = 0;
    let published = [rsa.publicJwk];
    const v = new IssuedTokenVerifier({
      issuer: ISSUER,
      fetchJwks: async (uri) => {
        expect(uri).toBe(`${ISSUER}/.well-known/jwks.json`);
        fetches += 1;
        return { keys: published };
      },
      now: () => t,
    });
    await v.verify(await projectToken(rsa));
    expect(fetches).toBe(1);
    const ecToken = await projectToken(ec);
    published = [rsa.publicJwk, ec.publicJwk];
    // Fetched less than a minute ago: the new kid is not looked up yet.
    await expect(v.verify(ecToken)).rejects.toBeInstanceOf(InvalidAccessTokenError);
    expect(fetches).toBe(1);
    t += 60_000;
    await v.verify(ecToken);
    expect(fetches).toBe(2);

    const broken = new IssuedTokenVerifier({ issuer: ISSUER, fetchJwks: () => Promise.reject(new Error('down')) });
    await expect(broken.verify(await projectToken(rsa))).rejects.toBeInstanceOf(IssuerKeysUnavailableError);
  });
});
