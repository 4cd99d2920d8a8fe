/**
 * The one JWT builder of the IdP: a compact JWS (RFC 7515 §7.1) with the protected header
 * `{alg, typ, kid}` and the given claims, signed through the {@link TokenSigner} port (KMS on AWS, a
 * local key in the local runtime). Access tokens use `typ: at+jwt` (RFC 9068 §2.1); ID tokens will use
 * `typ: JWT` (OpenID Connect Core §2).
 */
import type { JsonValue } from '../model';
import type { TokenSigner } from '../ports';

/** What one signed JWT is made of. */
export interface JwtInput {
  /** The JOSE `typ` header parameter (RFC 7515 §4.1.9), e.g. `at+jwt` or `JWT`. */
  typ: string;
  /** The claims set (RFC 7519 §4), serialized in insertion order. */
  claims: Record<string, JsonValue>;
}

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/**
 * Builds and signs a JWT with the signer's active key: header `{alg, typ, kid}`, in that order.
 * @throws DependencyUnavailableError when the signer cannot sign
 */
export async function signJwt({ typ, claims }: JwtInput, signer: TokenSigner): Promise<string> {
  const header = { alg: signer.alg, typ, kid: signer.kid };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${b64url(signature)}`;
}
