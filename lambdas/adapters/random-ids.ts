/**
 * Random identifiers and client secrets from node:crypto's CSPRNG. Everything is base64url, so no
 * value changes under form-encoding (RFC 6749 §2.3.1) and none contains `:`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RegistrationIds } from '../domain/ports';

/** Recognisable prefix of client secrets, for leak scanners (like `ghp_`). */
export const CLIENT_SECRET_PREFIX = 'sidp_';

export const randomIds: RegistrationIds = {
  tokenId: () => randomBytes(16).toString('base64url'),
  /** 128-bit client id, never starting with `-` or `_` (shell tools would read it as an option). */
  clientId: () => {
    for (;;) {
      const id = randomBytes(16).toString('base64url');
      if (/^[A-Za-z0-9]/.test(id)) return id;
    }
  },
  secretId: () => `sec_${randomBytes(9).toString('base64url')}`,
  /** 256-bit secret (docs/data-model.md, Secrets at rest): `sidp_` + 43 base64url characters. */
  clientSecret: () => `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`,
  eventId: () => randomUUID(),
};
