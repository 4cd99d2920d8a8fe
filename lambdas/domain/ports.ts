/**
 * Ports of the OAuth core: what it needs from the outside world. Adapters implement them (DynamoDB,
 * KMS, node:crypto, Secrets Manager); tests implement them with in-memory fakes.
 */
import type { ClientBundle } from './model';

/** Read side of the store used by the token endpoint. */
export interface TokenStore {
  /**
   * Reads a client, its secrets and its rules in one strongly consistent round trip (a disabled
   * client or revoked secret must stop working at once). `undefined` when the client does not exist.
   * @throws DependencyUnavailableError when the store cannot be reached or is throttled
   */
  loadClientBundle(clientId: string): Promise<ClientBundle | undefined>;
  /**
   * Whether an API with this identifier exists. Called only on the error path, to tell an unknown
   * audience (`invalid_target`) from one the client has no rule for (`invalid_scope`).
   */
  apiExists(identifier: string): Promise<boolean>;
}

/** JWS algorithms the signers produce (RFC 7518 §3.1). */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** Public JSON Web Key as published in the JWKS (RFC 7517). */
export interface PublicJwk {
  kty: 'RSA' | 'EC';
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  n?: string;
  e?: string;
  crv?: 'P-256';
  x?: string;
  y?: string;
}

/** Signs JWS signing inputs with the active key. */
export interface TokenSigner {
  readonly alg: SigningAlgorithm;
  /** `kid` of the active key, as published in the JWKS. */
  readonly kid: string;
  /**
   * Signs the JWS signing input (ASCII `header.payload`), returning the JWS signature bytes
   * (RFC 7518 §3.3 for RS256, §3.4 raw R‖S of 64 bytes for ES256).
   * @throws DependencyUnavailableError when the signing service fails
   */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** Source of the public keys published at the JWKS endpoint; cached by the adapter, not fetched per request. */
export interface KeySource {
  publicJwks(): Promise<PublicJwk[]>;
}

/** Peppered secret hashing (HMAC-SHA-256) with timing-safe comparison. */
export interface SecretHasher {
  /** base64url HMAC-SHA-256(pepper, secret). */
  hash(secret: string): string;
  /** Timing-safe equality of two hashes produced by {@link hash}. */
  equal(a: string, b: string): boolean;
}

/** Time source. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Random identifiers. */
export interface IdGenerator {
  /** A unique, unguessable token id (`jti`). */
  tokenId(): string;
}

/** Identifiers and secret values for registration (bootstrap, admin API). */
export interface RegistrationIds extends IdGenerator {
  clientId(): string;
  secretId(): string;
  /** A new client secret value (256-bit, base64url, recognisable prefix). */
  clientSecret(): string;
  eventId(): string;
}

/** Structured log sink; fields never carry secrets or tokens. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything, for tests and callers that do not log. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
