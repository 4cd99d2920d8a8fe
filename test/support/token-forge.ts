/**
 * Keys and tokens for authorizer tests: per-run key pairs (jose), a {@link TokenSigner} over them so
 * tokens are made exactly like the token endpoint makes them (signAccessToken), and helpers to craft
 * hostile tokens (any header, any payload, any signature).
 */
import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { JWTHeaderParameters } from 'jose';
import { toLowS } from '../../lambdas/client/verify/ecdsa-p256';
import { accessTokenClaims, signAccessToken } from '../../lambdas/domain/tokens/access-token';
import type { AccessTokenInput } from '../../lambdas/domain/tokens/access-token';
import type { JsonValue } from '../../lambdas/domain/model';
import type { PublicJwk, SigningAlgorithm, TokenSigner } from '../../lambdas/domain/ports';

/** A per-run key pair with its public JWK as published in the JWKS. */
export interface TestKey {
  alg: SigningAlgorithm;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: PublicJwk;
  /** SPKI PEM of the public key (what an HS256 key-confusion attack uses as the HMAC secret). */
  publicPem: string;
}

export async function generateTestKey(alg: SigningAlgorithm): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk = { ...jwk, kid, alg, use: 'sig' } as PublicJwk;
  return {
    alg,
    kid,
    privateKey: privateKey as unknown as KeyObject,
    publicKey: publicKey as unknown as KeyObject,
    publicJwk,
    publicPem: await exportSPKI(publicKey),
  };
}

/** A JWS signature by `key`: RS256, or ES256 as raw R‖S (RFC 7518 §3.4) in low-s form like our signers. */
function jwsSignature(key: TestKey, input: Uint8Array): Uint8Array {
  const signature = sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return key.alg === 'ES256' ? toLowS(signature) : signature;
}

/** The token endpoint's signer, in process: raw R‖S for ES256 (RFC 7518 §3.4), low-s. */
export function testSigner(key: TestKey): TokenSigner {
  return {
    alg: key.alg,
    kid: key.kid,
    sign: (input) => Promise.resolve(jwsSignature(key, input)),
  };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** RFC 9068 claims as the token endpoint builds them; `overrides` replaces input fields. */
export function projectClaims(overrides: Partial<AccessTokenInput> = {}): Record<string, JsonValue> {
  return accessTokenClaims({
    issuer: 'https://idp.example.test',
    clientId: 'client-1',
    audience: 'https://idp.example.test/admin',
    scopes: ['admin:read'],
    claims: {},
    issuedAt: nowSeconds(),
    ttl: 3600,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  });
}

/** A token made exactly as the token endpoint makes it. */
export function projectToken(key: TestKey, overrides: Partial<AccessTokenInput> = {}): Promise<string> {
  return signAccessToken(projectClaims(overrides), testSigner(key));
}

const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

/** Compact JWS with any header and payload, signed by `key` with its algorithm (header.alg untouched). */
export function forgeSigned(key: TestKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(jwsSignature(key, Buffer.from(input)))}`;
}

/** Compact serialization with a given signature segment (possibly empty). */
export function forgeUnsigned(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

/** A token signed through jose's SignJWT, e.g. HS256 with an arbitrary secret. */
export function joseToken(
  header: JWTHeaderParameters,
  payload: Record<string, unknown>,
  key: KeyObject | Uint8Array,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}
