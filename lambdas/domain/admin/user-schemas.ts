/**
 * Wire schemas of `/admin/users` and `/admin/users/{userId}/grants` (docs/contract.md, "Admin API ›
 * Users"), registered in the same registry as the other admin schemas, so the OpenAPI document shows
 * them. Bodies are strict: server-owned fields (`userId`, timestamps, `version` in creates) and
 * anything a user item stores for sign-in (hash, salt, KDF parameters, counters) are refused.
 */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../people/password-policy';
import { ApiIdentifierSchema, PageQuerySchema, ScopeValueSchema, named, unique } from './schemas';

/** User ids are URL-safe like the generated base64url ones (RFC 3986 §2.3 unreserved characters). */
export const USER_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** docs/contract.md, "Admin API › Users": 3–128 of `[A-Za-z0-9._@+-]`. */
export const USERNAME = /^[A-Za-z0-9._@+-]*$/;
export const MIN_USERNAME_LENGTH = 3;
export const MAX_USERNAME_LENGTH = 128;

/** RFC 5321 §4.5.3.1: a path holds at most 256 octets, so an address at most 254; a local part 64. */
export const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;
// RFC 5321 §4.1.2 Dot-string local part (atext, RFC 5322 §3.2.3) @ a domain of LDH labels with a dot.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Grants per user: a user's deletion (user, username item, grants, audit) must fit one transaction. */
export const MAX_GRANTS_PER_USER = 50;
const MAX_SCOPES_PER_GRANT = 100;

const UserStatusSchema = z.enum(['enabled', 'disabled']);

export const UsernameSchema = z
  .string()
  .min(MIN_USERNAME_LENGTH)
  .max(MAX_USERNAME_LENGTH)
  .regex(USERNAME, { error: 'must use only letters, digits and . _ @ + -' })
  .meta({ description: '3–128 of [A-Za-z0-9._@+-], unique in any case' });

const EmailSchema = z
  .string()
  .max(MAX_EMAIL_LENGTH)
  // Too long is reported by max() alone.
  .refine(
    (value) => value.length > MAX_EMAIL_LENGTH || (EMAIL.test(value) && value.indexOf('@') <= MAX_EMAIL_LOCAL_LENGTH),
    {
      error: 'must be an email address such as ada@example.com (RFC 5321)',
    },
  )
  .meta({ description: 'An email address (RFC 5321), at most 254 characters' });

const UserNameSchema = z.string().min(1).max(200).meta({ description: 'Display name, 1–200 characters' });

/** Length rules of the password (the username rule needs the username: checked by the service). */
const PasswordSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value, undefined);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: `12–${MAX_PASSWORD_LENGTH} characters, not the username; stored only as a peppered scrypt hash, never shown`,
  });

export const UserCreateSchema = named(
  'UserCreate',
  z.strictObject({
    username: UsernameSchema,
    email: EmailSchema.optional(),
    name: UserNameSchema.optional(),
    password: PasswordSchema.optional().meta({
      description: 'Without one, the response holds a one-time setupUrl where the user sets it',
    }),
    status: UserStatusSchema.optional().meta({ description: 'Default `enabled`' }),
  }),
);

export const UserUpdateSchema = named(
  'UserUpdate',
  z.strictObject({
    email: EmailSchema.nullable().optional().meta({ description: '`null` removes it' }),
    name: UserNameSchema.nullable().optional().meta({ description: '`null` removes it' }),
    status: UserStatusSchema.optional(),
    password: PasswordSchema.optional().meta({ description: 'A new password; also ends a sign-in lockout' }),
    version: z.int().min(1).optional().meta({ description: 'Optimistic-locking version' }),
  }),
);

export const UserSchema = named(
  'User',
  z.strictObject({
    userId: z.string(),
    username: z.string(),
    email: z.string().optional(),
    name: z.string().optional(),
    status: UserStatusSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int(),
  }),
);

export const UserCreatedSchema = named(
  'UserCreated',
  z.strictObject({
    user: UserSchema,
    setupUrl: z.string().optional().meta({
      description: 'Created without a password: where the user sets one; valid 24 h, single use, shown only here',
    }),
  }),
);

export const UserListSchema = named(
  'UserList',
  z.strictObject({
    items: z.array(UserSchema),
    nextCursor: z.string().optional().meta({ description: 'Present when more items follow; pass as `cursor`' }),
  }),
);

export const UserListQuerySchema = PageQuerySchema.extend({
  q: z
    .string()
    .min(1)
    .max(254)
    .optional()
    .meta({ description: 'Part of the username, email or name (any case), or the exact user id' }),
  status: UserStatusSchema.optional(),
});

export const GrantPutSchema = named(
  'GrantPut',
  z.strictObject({
    audience: ApiIdentifierSchema,
    scopes: z
      .array(ScopeValueSchema)
      .min(1)
      .max(MAX_SCOPES_PER_GRANT)
      .superRefine(unique((s: string) => s, 'scope')),
  }),
);

export const GrantSchema = named(
  'Grant',
  z.strictObject({ audience: z.string(), scopes: z.array(z.string()), createdAt: z.string() }),
);

export const GrantListSchema = named('GrantList', z.strictObject({ items: z.array(GrantSchema) }));

/** A refresh-token session as the admin API shows it: never a token or digest. */
export const SessionSchema = named(
  'Session',
  z.strictObject({
    sessionId: z.string().meta({ description: 'Public: the `sid` of the tokens issued under the session' }),
    clientId: z.string(),
    scopes: z.array(z.string()).meta({ description: 'The scopes originally granted' }),
    audience: z.string().optional(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    expiresAt: z.string().meta({ description: 'Absolute expiry (the client’s refreshTokenTtl)' }),
    idleExpiresAt: z.string().optional().meta({ description: 'Idle expiry (the client’s refreshTokenIdleTtl)' }),
    status: z.enum(['active', 'expired', 'revoked']),
    revokedAt: z.string().optional(),
    revokedReason: z
      .enum([
        'refresh-token-reuse',
        'token-revoked',
        'session-limit',
        'admin',
        'user-disabled',
        'user-deleted',
        'password-changed',
      ])
      .optional(),
  }),
);

export const SessionListSchema = named(
  'SessionList',
  z.strictObject({
    items: z.array(SessionSchema),
    nextCursor: z.string().optional().meta({ description: 'Present when more items follow; pass as `cursor`' }),
  }),
);

export const SessionListQuerySchema = PageQuerySchema.extend({
  clientId: z.string().min(1).max(128).optional().meta({ description: 'Only the sessions of this client' }),
});

export const SessionsRevokedSchema = named(
  'SessionsRevoked',
  z.strictObject({ revoked: z.number().int().meta({ description: 'How many live sessions were revoked' }) }),
);
