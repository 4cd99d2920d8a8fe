/**
 * ECDSA P-256 signature malleability (RFC 7518 §3.4 signatures are `R‖S`, 32 octets each): if (r, s)
 * verifies, so does (r, n − s). One token must have one encoding, so our signers emit only the low-s
 * form (s ≤ n/2) and the verifier accepts only it. Here, beside the verifier's canonical-JWS check
 * (canonical-jws.ts), because the client ships on its own; the server's signers import {@link toLowS}.
 */

/** Order n of the P-256 group (SEC 2 v2 §2.4.2). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const HALF_N = P256_N >> 1n;
/** Octets of one component in the JWS form (RFC 7518 §3.4). */
const COMPONENT_BYTES = 32;

function sOf(rs: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(rs.subarray(COMPONENT_BYTES)).toString('hex')}`);
}

/** Whether a 64-octet `R‖S` has s ≤ n/2 (false for any other length). */
export function isLowS(rs: Uint8Array): boolean {
  return rs.length === 2 * COMPONENT_BYTES && sOf(rs) <= HALF_N;
}

/** The low-s form of a 64-octet `R‖S`: the same signature with s replaced by n − s when s > n/2. */
export function toLowS(rs: Uint8Array): Uint8Array {
  if (rs.length !== 2 * COMPONENT_BYTES) throw new Error('an ES256 signature is 64 octets of R‖S');
  const s = sOf(rs);
  if (s <= HALF_N) return rs;
  const low = Buffer.from((P256_N - s).toString(16).padStart(2 * COMPONENT_BYTES, '0'), 'hex');
  return Buffer.concat([Buffer.from(rs.subarray(0, COMPONENT_BYTES)), low]);
}
