/**
 * The admin API's wire schemas (zod 4), one source for request validation, response shapes and the
 * OpenAPI document (openapi.ts converts them with `z.toJSONSchema`), so the three cannot drift.
 * Request bodies are strict objects: unknown fields and server-owned ones (ids, hashes, timestamps)
 * are rejected, never mass-assigned.
 */
import { z } from 'zod';
import { MAX_ACCESS_TOKEN_TTL, RESERVED_CLAIMS } from '../tokens/access-token';
import { GRANT_TYPES, SUBJECT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS, USER_ACCESS_VALUES } from '../model';
import type { GrantType, SubjectType, TokenEndpointAuthMethod, UserAccess } from '../model';
import {
  MAX_ALLOWED_ORIGINS,
  MAX_REDIRECT_URIS,
  MAX_REFRESH_TOKEN_TTL,
  MAX_SESSIONS_PER_USER,
  MIN_REFRESH_TOKEN_TTL,
  originProblem,
} from '../people/client-settings';
import { redirectUriProblem } from '../people/redirect-uris';
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
  'apiUserAccess',
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

const UserAccessSchema = z.enum(USER_ACCESS_VALUES as [UserAccess, ...UserAccess[]]).meta({
  description:
    "`any` (default): any signed-in user gets what the client's user rule allows; `granted`: the user's own grants on this API also limit the scopes",
});

export const ScopeDefinitionSchema = named(
  'ScopeDefinition',
  z.strictObject({ value: ScopeValueSchema, description: z.string().max(500).optional() }),
);

/** Most clients one API lists as introspectors. */
export const MAX_INTROSPECTORS_PER_API = 20;

const IntrospectorsSchema = z
  .array(z.string().min(1).max(256))
  .max(MAX_INTROSPECTORS_PER_API)
  .superRefine(unique((id: string) => id, 'client id'))
  .meta({
    description:
      "Client ids (confidential clients) that may introspect this API's access tokens at POST /oauth2/introspect (RFC 7662), besides the client a token was issued to; [] for none",
  });

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
    userAccess: UserAccessSchema.optional(),
    introspectors: IntrospectorsSchema.optional(),
  }),
);

export const ApiUpdateSchema = named(
  'ApiUpdate',
  z.strictObject({
    name: NameSchema.optional(),
    scopes: ScopeListSchema.optional(),
    accessTokenTtl: AccessTokenTtlSchema.nullable().optional().meta({ description: '`null` removes the limit' }),
    tokenReuse: TokenReuseSchema.optional(),
    userAccess: UserAccessSchema.optional(),
    introspectors: IntrospectorsSchema.optional(),
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
    userAccess: UserAccessSchema.optional(),
    introspectors: z.array(z.string()).optional(),
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

/**
 * The item count of an array, checked only once the value parsed as an array (zod 4's own length
 * checks also measure a string sent in its place, reporting "characters"); `minItems` / `maxItems`
 * stay in the OpenAPI document through the metadata.
 */
function itemCount<T extends z.ZodArray>(schema: T, min: number, max: number): T {
  return schema
    .superRefine((items: unknown[], ctx) => {
      if (items.length < min) {
        ctx.addIssue({ code: 'too_small', origin: 'array', minimum: min, inclusive: true, input: items });
      } else if (items.length > max) {
        ctx.addIssue({ code: 'too_big', origin: 'array', maximum: max, inclusive: true, input: items });
      }
    })
    .meta({ minItems: min, maxItems: max }) as unknown as T;
}

/** Redirect URIs as registered (people/redirect-uris.ts): 1 to 20, each valid, no repeats. */
function redirectUriList(description: string) {
  const list = z.array(
    z.string().superRefine((uri, ctx) => {
      const problem = redirectUriProblem(uri);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
  return itemCount(list, 1, MAX_REDIRECT_URIS)
    .superRefine(unique((u: string) => u, 'URI'))
    .meta({ description });
}

const RedirectUrisSchema = redirectUriList(
  'Absolute redirect URIs, compared by exact string (RFC 6749 §3.1.2): https, http on a loopback IP (any port, RFC 8252 §7.3) or a private-use scheme (RFC 8252 §7.1); required with authorization_code',
);
const PostLogoutRedirectUrisSchema = redirectUriList(
  'Where logout may send the user back (OIDC RP-Initiated Logout §2), same rules as redirectUris',
);
const AllowedOriginsSchema = itemCount(
  z.array(
    z.string().superRefine((origin, ctx) => {
      const problem = originProblem(origin);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
  0,
  MAX_ALLOWED_ORIGINS,
)
  .superRefine(unique((o: string) => o, 'origin'))
  .meta({
    description:
      'CORS origins of the token and revocation endpoints (scheme://host[:port]; never *); default for a public client: the https and loopback origins of its redirectUris; [] for none',
  });
const RequireConsentSchema = z
  .boolean()
  .meta({ description: 'The user approves the scopes once per client on a consent page (default false)' });
const RefreshTokenTtlSchema = z
  .int()
  .min(MIN_REFRESH_TOKEN_TTL)
  .max(MAX_REFRESH_TOKEN_TTL)
  .meta({ description: 'Absolute refresh-token session lifetime in seconds (default 30 days, at most 365 days)' });
const RefreshTokenIdleTtlSchema = z
  .int()
  .min(MIN_REFRESH_TOKEN_TTL)
  .max(MAX_REFRESH_TOKEN_TTL)
  .meta({ description: 'Idle lifetime of a refresh-token session in seconds, at most refreshTokenTtl' });
const MaxSessionsSchema = z
  .int()
  .min(1)
  .max(MAX_SESSIONS_PER_USER)
  .meta({ description: 'Refresh-token sessions per user for this client (default 10); the oldest is revoked' });

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
    redirectUris: RedirectUrisSchema.optional(),
    postLogoutRedirectUris: PostLogoutRedirectUrisSchema.optional(),
    allowedOrigins: AllowedOriginsSchema.optional(),
    requireConsent: RequireConsentSchema.optional(),
    refreshTokenTtl: RefreshTokenTtlSchema.optional(),
    refreshTokenIdleTtl: RefreshTokenIdleTtlSchema.optional(),
    maxSessionsPerUser: MaxSessionsSchema.optional(),
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
    redirectUris: RedirectUrisSchema.nullable().optional().meta({ description: '`null` removes them' }),
    postLogoutRedirectUris: PostLogoutRedirectUrisSchema.nullable()
      .optional()
      .meta({ description: '`null` removes them' }),
    allowedOrigins: AllowedOriginsSchema.nullable().optional().meta({ description: '`null` returns to the default' }),
    requireConsent: RequireConsentSchema.nullable().optional().meta({ description: '`null` returns to false' }),
    refreshTokenTtl: RefreshTokenTtlSchema.nullable()
      .optional()
      .meta({ description: '`null` returns to the default (30 days)' }),
    refreshTokenIdleTtl: RefreshTokenIdleTtlSchema.nullable().optional().meta({ description: '`null` removes it' }),
    maxSessionsPerUser: MaxSessionsSchema.nullable().optional().meta({ description: '`null` returns to 10' }),
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
    redirectUris: z.array(z.string()).optional().meta({ description: 'Clients with authorization_code' }),
    postLogoutRedirectUris: z.array(z.string()).optional(),
    allowedOrigins: z
      .array(z.string())
      .optional()
      .meta({ description: 'Clients with authorization_code: the effective CORS origins (the default when not set)' }),
    requireConsent: z.boolean().optional().meta({ description: 'Clients with authorization_code' }),
    refreshTokenTtl: z.int().optional().meta({ description: 'Clients with refresh_token: the effective lifetime' }),
    refreshTokenIdleTtl: z.int().optional(),
    maxSessionsPerUser: z.int().optional().meta({ description: 'Clients with refresh_token: the effective cap' }),
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
    secret: NewSecretSchema.optional().meta({ description: 'Confidential clients only; a public client has none' }),
    curl: z
      .string()
      .optional()
      .meta({ description: 'Clients with client_credentials: a ready token request with this client' }),
    endpoints: z
      .strictObject({ authorization: z.string(), token: z.string() })
      .optional()
      .meta({ description: 'Clients with authorization_code: the authorization and token endpoint URLs' }),
  }),
);

// ---------- rules ----------

const SubjectTypeSchema = z.enum(SUBJECT_TYPES as [SubjectType, ...SubjectType[]]).meta({
  description:
    '`client` (default): what the client obtains for itself with client_credentials; `user`: what it may request on behalf of a signed-in user (authorization_code)',
});

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
    subjectType: SubjectTypeSchema.optional(),
  }),
);

export const RuleSchema = named(
  'Rule',
  z.strictObject({
    audience: z.string(),
    scopes: z.array(z.string()),
    claims: z.record(z.string(), JsonValueSchema).optional(),
    subjectType: z.literal('user').optional().meta({ description: 'Present on user rules; absent: a client rule' }),
    createdAt: z.string(),
  }),
);

/** `?subjectType=` of a rule's path: which of the client's two rules for an API (default `client`). */
export const RuleQuerySchema = z.strictObject({
  subjectType: SubjectTypeSchema.optional().meta({ description: 'The rule addressed: `client` (default) or `user`' }),
});

// ---------- audit ----------

export const AuditEventSchema = named(
  'AuditEvent',
  z.strictObject({
    id: z.string(),
    at: z.string(),
    actor: z
      .strictObject({
        clientId: z.string().meta({ description: 'The client the admin token was issued to (`client_id`)' }),
        jti: z.string().meta({ description: '`jti` of the admin token' }),
        userId: z.string().optional().meta({
          description: "The person who acted (the token's `sub`), for a person's token; absent for a client's own",
        }),
        username: z.string().optional().meta({ description: "The person's username at the time of the change" }),
      })
      .meta({ description: 'Who made the change: a client with its own token, or a person through a client' }),
    action: z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]]),
    target: z.strictObject({
      type: z.enum(AUDIT_TARGET_TYPES as [AuditTargetType, ...AuditTargetType[]]),
      id: z.string(),
      clientId: z.string().optional(),
      subjectType: z.literal('user').optional().meta({ description: 'Present for a user rule' }),
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
  order: z.enum(['newest', 'oldest']).optional().meta({
    description: 'By creation time: newest first (the default) or oldest first; a cursor belongs to its order',
  }),
});

export const AuditQuerySchema = z
  .strictObject({
    limit: LimitSchema.optional(),
    cursor: CursorSchema.optional(),
    from: TimestampSchema.optional().meta({ description: 'Events at or after this time' }),
    to: TimestampSchema.optional().meta({ description: 'Events before this time' }),
    actor: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .meta({ description: 'Client id of the admin who made the change (the client the token was issued to)' }),
    actorUserId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .meta({ description: "User id of the person who made the change (with a person's token)" }),
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
