/** PKCE S256 at the token endpoint (RFC 7636 §4.6), with the test vector of RFC 7636 Appendix B. */
import { isCodeVerifier, s256Challenge, verifiesS256 } from '../../../lambdas/domain/grants/pkce';
import { RFC7636_CHALLENGE, RFC7636_VERIFIER } from '../../support/code-flow';

describe('PKCE S256 (RFC 7636)', () => {
  it('Appendix B: the verifier hashes to the challenge', () => {
    expect(s256Challenge(RFC7636_VERIFIER)).toBe(RFC7636_CHALLENGE);
    expect(verifiesS256(RFC7636_VERIFIER, RFC7636_CHALLENGE)).toBe(true);
    expect(verifiesS256(`${RFC7636_VERIFIER.slice(0, -1)}j`, RFC7636_CHALLENGE)).toBe(false);
    expect(verifiesS256(RFC7636_VERIFIER, RFC7636_CHALLENGE.slice(1))).toBe(false);
    // plain (verifier === challenge) is never accepted
    expect(verifiesS256(RFC7636_VERIFIER, RFC7636_VERIFIER)).toBe(false);
  });

  it('§4.1 syntax: 43–128 unreserved characters', () => {
    expect(isCodeVerifier('a'.repeat(43))).toBe(true);
    expect(isCodeVerifier('A-._~'.repeat(25) + 'aaa')).toBe(true);
    expect(isCodeVerifier('a'.repeat(128))).toBe(true);
    expect(isCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isCodeVerifier(`${'a'.repeat(42)}/`)).toBe(false);
  });
});
