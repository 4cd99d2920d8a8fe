/**
 * The admin API's wire schemas (zod 4), one source for request validation, response shapes and the
 * OpenAPI document (openapi.ts converts them with `z.toJSONSchema`), so the three cannot drift.
 * Request bodies are strict objects: unknown fields and server-owned ones (ids, hashes, timestamps)
 * are rejected, never mass-assigned.
 */
import { z } from 'zod';
import { MAX_ACCESS_TOKEN_TTL, RESERVED_CLAIMS } from '../tokens/access-token';
import { GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS } from '../model';
import type { GrantType, TokenEndpointAuthMethod } from '../model';
import { SCOPE_TOKEN } from '../oauth-grammar';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from './audit';
import type { AuditAction, AuditTargetType } from './audit';

/** Schemas that appear as `components.schemas` in the OpenAPI document, by name. */
export const schemaRegistry = z.registry<{ id: string; description?: string }>();

/** Registers a schema under `id` in {@link schemaRegistry} (a component of the OpenAPI document). */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  schemaRegistry.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

/** Fields the server owns: rejected in every request body with a read-only message. */
export const SERVER_OWNED_FIELDS: ReadonlySet<string> = new Set([
  'clientId',
  'userId',
  'id',
  'secretId',
  'hash',
  'value',
  'createdAt',
  'updatedAt',
  'lastUsedAt',
  'version',
  'apiAccessTokenTtl',
  'apiTokenReuse',
]);

// RFC 8707 §2: an absolute URI (RFC 3986 §4.3) without a fragment; printable ASCII only.
const API_IDENTIFIER = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21\x22\x24-\x7E]+$/;
/** Client ids are URL-safe (RFC 3986 §2.3 unreserved characters), like the generated base64url ones. */
export const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
export const SECRET_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** Largest serialized `metadata` or `claims` object, bytes. */
export const MAX_JSON_OBJECT_BYTES = 4096;
export const MAX_SCOPES_PER_API = 100;
export const MAX_SCOPES_PER_RULE = 100;

export const JsonValueSchema = named('JsonValue', z.json(), 'Any JSON value');

export const AccessTokenTtlSchema = z
  .int()
  .min(1)
  .max(MAX_ACCESS_TOKEN_TTL)
  .meta({ description: 'Access-token lifetime in seconds, 1 s to 30 days' });

export const ScopeValueSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(SCOPE_TOKEN, { error: 'must be a scope token (RFC 6749 §3.3: printable ASCII, no space, " or \\)' });

export const ApiIdentifierSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(API_IDENTIFIER, { error: 'must be an absolute URI without a fragment (RFC 8707 §2)' })
  .meta({ description: 'The API identifier: the `aud` of its tokens, an absolute URI' });

const NameSchema = z.string().min(1).max(200);
const DescriptionSchema = z.string().max(1000);
const VersionSchema = z.int().min(1).meta({ description: 'Optimistic-locking version' });
const TimestampSchema = z.iso.datetime({ offset: true });
const TokenReuseSchema = z
  .boolean()
  .meta({ description: 'Opt-in token reuse: a repeated request gets its still-valid token back' });

/** A JSON object of bounded size whose values are any JSON. */
/** DynamoDB nests documents at most 32 levels deep (the item itself is one). */
const MAX_JSON_DEPTH = 30;

/**
 * What DynamoDB would refuse in a JSON value, with its path: nesting beyond {@link MAX_JSON_DEPTH},
 * or a number it cannot store exactly (integers beyond ±2^53, magnitudes beyond 1e125).
 */
function storableJsonProblem(
  value: unknown,
  depth: number,
  path: (string | number)[] = [],
): { path: (string | number)[]; message: string } | undefined {
  if (typeof value === 'number') {
    if (Number.isInteger(value) ? !Number.isSafeInteger(value) : Math.abs(value) >= 1e125) {
      return { path, message: 'is a number that cannot be stored exactly (integers up to ±2^53)' };
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_JSON_DEPTH) return { path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, child] of entries) {
    const problem = storableJsonProblem(child, depth + 1, [...path, key]);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function jsonObject(description: string, forbidden?: ReadonlySet<string>) {
  return z
    .record(z.string().min(1).max(100), JsonValueSchema)
    .superRefine((value, ctx) => {
      if (forbidden !== undefined) {
        for (const key of Object.keys(value)) {
          if (forbidden.has(key)) {
            ctx.addIssue({ code: 'custom', path: [key], message: 'is a reserved JWT claim and cannot be set' });
          }
        }
      }
      if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_JSON_OBJECT_BYTES) {
        ctx.addIssue({ code: 'custom', message: `must serialize to at most ${MAX_JSON_OBJECT_BYTES} bytes` });
      }
      const problem = storableJsonProblem(value, 1);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    })
    .meta({ description });
}

/** Rejects duplicates in an array, naming the later occurrence (a `superRefine` of the array). */
export function unique<T>(key: (item: T) => string, what: string, subPath: (string | number)[] = []) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const k = key(item);
      const first = seen.get(k);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [index, ...subPath], message: `repeats the ${what} at index ${first}` });
      } else {
        seen.set(k, index);
      }
    });
  };
}

// ---------- APIs ----------

export const ScopeDefinitionSchema = named(
  'ScopeDefinition',
  z.strictObject({ value: ScopeValueSchema, description: z.string().max(500).optional() }),
);

const ScopeListSchema = z
  .array(ScopeDefinitionSchema)
  .max(MAX_SCOPES_PER_API)
  .superRefine(unique((s: { value: string }) => s.value, 'scope', ['value']));

export const ApiCreateSchema = named(
  'ApiCreate',
  z.strictObject({
    identifier: ApiIdentifierSchema,
    name: NameSchema,
    scopes: ScopeListSchema,
    accessTokenTtl: AccessTokenTtlSchema.optional(),
    tokenReuse: TokenReuseSchema.optional(),
  }),
);

export const ApiUpdateSchema = named(
  'ApiUpdate',
  z.strictObject({
    name: NameSchema.optional(),
    scopes: ScopeListSchema.optional(),
    accessTokenTtl: AccessTokenTtlSchema.nullable().optional().meta({ description: '`null` removes the limit' }),
    tokenReuse: TokenReuseSchema.optional(),
    version: VersionSchema.optional(),
  }),
);

export const ApiSchema = named(
  'Api',
  z.strictObject({
    identifier: z.string(),
    name: z.string(),
    scopes: z.array(ScopeDefinitionSchema),
    accessTokenTtl: z.int().optional(),
    tokenReuse: z.boolean().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int(),
  }),
);

// ---------- clients ----------

const GrantTypesSchema = z
  .array(z.enum(GRANT_TYPES as [GrantType, ...GrantType[]]))
  .min(1)
  .superRefine(unique((g: string) => g, 'grant type'));
const AuthMethodSchema = z.enum(TOKEN_ENDPOINT_AUTH_METHODS as [TokenEndpointAuthMethod, ...TokenEndpointAuthMethod[]]);
const StatusSchema = z.enum(['enabled', 'disabled']);
const MetadataSchema = jsonObject('Free-form JSON object, at most 4096 bytes serialized');

export const ClientCreateSchema = named(
  'ClientCreate',
  z.strictObject({
    name: NameSchema,
    description: DescriptionSchema.optional(),
    grantTypes: GrantTypesSchema,
    tokenEndpointAuthMethod: AuthMethodSchema,
    accessTokenTtl: AccessTokenTtlSchema.optional(),
    external: z.boolean().optional(),
    tokenReuse: TokenReuseSchema.optional(),
    metadata: MetadataSchema.optional(),
  }),
);

export const ClientUpdateSchema = named(
  'ClientUpdate',
  z.strictObject({
    name: NameSchema.optional(),
    description: DescriptionSchema.nullable().optional(),
    status: StatusSchema.optional(),
    grantTypes: GrantTypesSchema.optional(),
    tokenEndpointAuthMethod: AuthMethodSchema.optional(),
    accessTokenTtl: AccessTokenTtlSchema.nullable()
      .optional()
      .meta({ description: '`null` returns to the stage default' }),
    external: z.boolean().optional(),
    tokenReuse: TokenReuseSchema.optional(),
    metadata: MetadataSchema.nullable().optional(),
    version: VersionSchema.optional(),
  }),
);

export const ClientSchema = named(
  'Client',
  z.strictObject({
    clientId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    status: StatusSchema,
    grantTypes: z.array(z.string()),
    tokenEndpointAuthMethod: AuthMethodSchema,
    accessTokenTtl: z.int().optional(),
    external: z.boolean(),
    tokenReuse: z.boolean(),
    metadata: z.record(z.string(), JsonValueSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int(),
  }),
);

// ---------- secrets ----------

export const SecretCreateSchema = named(
  'SecretCreate',
  z.strictObject({
    expiresAt: TimestampSchema.optional().meta({ description: 'ISO 8601 date-time in the future' }),
  }),
);

export const NewSecretSchema = named(
  'NewSecret',
  z.strictObject({
    id: z.string(),
    value: z.string().meta({ description: 'The secret; shown only in this response' }),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
  }),
);

export const SecretSchema = named(
  'Secret',
  z.strictObject({
    id: z.string(),
    status: z.enum(['active', 'expired']),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    lastUsedAt: z
      .string()
      .optional()
      .meta({ description: 'Last successful token request, recorded at most once per interval' }),
  }),
);

export const ClientCreatedSchema = named(
  'ClientCreated',
  z.strictObject({
    client: ClientSchema,
    secret: NewSecretSchema,
    curl: z.string().meta({ description: 'A ready token request with this client' }),
  }),
);

// ---------- rules ----------

const ClaimsSchema = jsonObject(
  'Static claims added to tokens; reserved JWT claims (iss, sub, aud, exp, ...) are refused',
  RESERVED_CLAIMS,
);

export const RuleCreateSchema = named(
  'RuleCreate',
  z.strictObject({
    audience: ApiIdentifierSchema,
    scopes: z
      .array(ScopeValueSchema)
      .min(1)
      .max(MAX_SCOPES_PER_RULE)
      .superRefine(unique((s: string) => s, 'scope')),
    claims: ClaimsSchema.optional(),
  }),
);

export const RuleSchema = named(
  'Rule',
  z.strictObject({
    audience: z.string(),
    scopes: z.array(z.string()),
    claims: z.record(z.string(), JsonValueSchema).optional(),
    createdAt: z.string(),
  }),
);

// ---------- audit ----------

export const AuditEventSchema = named(
  'AuditEvent',
  z.strictObject({
    id: z.string(),
    at: z.string(),
    actor: z.strictObject({ clientId: z.string(), jti: z.string() }),
    action: z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]]),
    target: z.strictObject({
      type: z.enum(AUDIT_TARGET_TYPES as [AuditTargetType, ...AuditTargetType[]]),
      id: z.string(),
      clientId: z.string().optional(),
      userId: z.string().optional(),
    }),
    diff: z
      .record(z.string(), z.strictObject({ from: JsonValueSchema.optional(), to: JsonValueSchema.optional() }))
      .meta({ description: 'Changed top-level fields; never a secret value or hash' }),
  }),
);

// ---------- lists ----------

function listOf(id: string, item: z.ZodType) {
  return named(
    id,
    z.strictObject({
      items: z.array(item),
      nextCursor: z.string().optional().meta({ description: 'Present when more items follow; pass as `cursor`' }),
    }),
  );
}

export const ApiListSchema = listOf('ApiList', ApiSchema);
export const ClientListSchema = listOf('ClientList', ClientSchema);
export const SecretListSchema = named('SecretList', z.strictObject({ items: z.array(SecretSchema) }));
export const RuleListSchema = named('RuleList', z.strictObject({ items: z.array(RuleSchema) }));
export const AuditListSchema = listOf('AuditList', AuditEventSchema);

export const ProblemSchema = named(
  'Problem',
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          pointer: z.string().optional(),
          parameter: z.string().optional(),
          header: z.string().optional(),
          detail: z.string(),
        }),
      )
      .optional(),
  }),
  'RFC 9457 problem details',
);

// ---------- query parameters (strings on the wire) ----------

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const LimitSchema = z
  .string()
  .regex(/^[0-9]{1,4}$/, { error: `must be an integer from 1 to ${MAX_PAGE_SIZE}` })
  .transform(Number)
  .pipe(
    z
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .meta({ description: `Page size, default ${DEFAULT_PAGE_SIZE}` }),
  );
const CursorSchema = z.string().min(1).max(2048).meta({ description: 'Opaque cursor from `nextCursor`' });

export const PageQuerySchema = z.strictObject({ limit: LimitSchema.optional(), cursor: CursorSchema.optional() });

export const ClientListQuerySchema = z.strictObject({
  limit: LimitSchema.optional(),
  cursor: CursorSchema.optional(),
  q: z.string().min(1).max(200).optional().meta({ description: 'Part of the name (any case), or the exact id' }),
  status: StatusSchema.optional(),
});

export const AuditQuerySchema = z
  .strictObject({
    limit: LimitSchema.optional(),
    cursor: CursorSchema.optional(),
    from: TimestampSchema.optional().meta({ description: 'Events at or after this time' }),
    to: TimestampSchema.optional().meta({ description: 'Events before this time' }),
    actor: z.string().min(1).max(128).optional().meta({ description: 'Client id of the admin who made the change' }),
    action: z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]]).optional(),
    targetType: z.enum(AUDIT_TARGET_TYPES as [AuditTargetType, ...AuditTargetType[]]).optional(),
    targetId: z.string().min(1).max(256).optional().meta({
      description: "Target id; a client id also selects its secrets' and rules' events, a user id its grants'",
    }),
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
    path: ['to'],
    error: 'must be later than from',
  });

export const EmptyQuerySchema = z.strictObject({});
