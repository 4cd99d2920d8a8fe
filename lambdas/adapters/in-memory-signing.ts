/**
 * JWS signatures with a private key held in the process (node:crypto), shared by the local signer
 * (./local-token-signer.ts) and the envelope signer (./envelope-keys.ts), and the public JWK of such
 * a key with its RFC 7638 thumbprint as `kid`.
 */
import { createHash, createPublicKey, sign } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { toLowS } from '../client/verify/ecdsa-p256';
import type { PublicJwk, SigningAlgorithm } from '../domain/ports';

/** RFC 7638 §3: SHA-256 over the required public members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The public JWK (RFC 7517 §4, public members only) of a private or public key; `kid` its thumbprint. */
export function publicJwkOf(alg: SigningAlgorithm, key: KeyObject): PublicJwk {
  const pub = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  const kid = jwkThumbprint(pub);
  return alg === 'RS256'
    ? { kty: 'RSA', kid, alg, use: 'sig', n: pub.n, e: pub.e }
    : { kty: 'EC', kid, alg, use: 'sig', crv: 'P-256', x: pub.x, y: pub.y };
}

/** Whether `key` is a key of `alg`'s type: RSA for RS256, P-256 for ES256. */
export function keyFitsAlgorithm(alg: SigningAlgorithm, key: KeyObject): boolean {
  if (alg === 'RS256') return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/**
 * RFC 7518 §3.3 (RS256) / §3.4 (ES256, raw R‖S of 64 bytes, in low-s form: OpenSSL returns either s
 * or n − s, and the verifier accepts only s ≤ n/2). Signs on libuv's thread pool (the callback form of
 * `crypto.sign`), so RSA signing does not block the event loop.
 */
export function signInMemory(
  alg: SigningAlgorithm,
  privateKey: KeyObject,
  signingInput: Uint8Array,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (err, signature) =>
      err === null ? resolve(alg === 'ES256' ? toLowS(signature) : signature) : reject(err),
    );
  });
}
