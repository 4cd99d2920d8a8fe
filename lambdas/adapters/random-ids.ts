/**
 * Random identifiers and client secrets from node:crypto's CSPRNG. Everything is base64url, so no
 * value changes under form-encoding (RFC 6749 §2.3.1) and none contains `:`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RegistrationIds } from '../domain/ports';

/** Recognisable prefix of client secrets, for leak scanners (like `ghp_`). */
export const CLIENT_SECRET_PREFIX = 'sidp_';

/** 128 random bits in base64url, never starting with `-` or `_` (shell tools would read it as an option). */
function optionSafeId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

export const randomIds: RegistrationIds = {
  tokenId: () => randomBytes(16).toString('base64url'),
  /** 128-bit client id (22 base64url characters). */
  clientId: optionSafeId,
  /** 128-bit user id, made like a client id. */
  userId: optionSafeId,
  secretId: () => `sec_${randomBytes(9).toString('base64url')}`,
  /** 256-bit secret (docs/data-model.md, Secrets at rest): `sidp_` + 43 base64url characters. */
  clientSecret: () => `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`,
  eventId: () => randomUUID(),
};
