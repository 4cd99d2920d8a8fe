/**
 * The admin API's route table: method, path template, required scope, parameter, query and body
 * schemas, documented responses and the operation. The router (admin-api.ts) and the OpenAPI
 * document (openapi.ts) both read this table, so the document cannot drift from the routes.
 */
import { z } from 'zod';
import { ADMIN_READ, ADMIN_WRITE } from '../bootstrap';
import { ADMIN_OPENAPI_PATH } from '../endpoints/paths';
import type { HttpResponse } from '../http';
import { createApi, deleteApi, getApi, listApis, updateApi } from './apis-service';
import { createClient, deleteClient, getClient, listClients, updateClient } from './clients-service';
import type { OperationContext } from './context';
import { json } from './context';
import type { ProblemSlug } from './problem';
import { deleteRule, getRule, listRules, putRule } from './rules-service';
import {
  ApiCreateSchema,
  ApiIdentifierSchema,
  ApiListSchema,
  ApiSchema,
  ApiUpdateSchema,
  AuditListSchema,
  AuditQuerySchema,
  CLIENT_ID,
  ClientCreateSchema,
  ClientCreatedSchema,
  ClientListQuerySchema,
  ClientListSchema,
  ClientSchema,
  ClientUpdateSchema,
  EmptyQuerySchema,
  NewSecretSchema,
  PageQuerySchema,
  RuleCreateSchema,
  RuleListSchema,
  RuleQuerySchema,
  RuleSchema,
  SECRET_ID,
  SecretCreateSchema,
  SecretListSchema,
} from './schemas';
import { addSecret, listSecrets, revokeSecret } from './secrets-service';
import { deleteGrant, listGrants, putGrant } from './user-grants-service';
import {
  GrantListSchema,
  GrantPutSchema,
  GrantSchema,
  USER_ID,
  UserCreateSchema,
  UserCreatedSchema,
  UserListQuerySchema,
  UserListSchema,
  UserSchema,
  UserUpdateSchema,
} from './user-schemas';
import { createUser, deleteUser, getUser, listUsers, updateUser } from './users-service';
import { DEFAULT_PAGE_SIZE } from './schemas';
import { auditEventView } from './views';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A path parameter: its schema (after percent-decoding) and what a value that fails it means. */
export interface PathParam {
  schema: z.ZodType<string>;
  description: string;
  /** Resource name for the 404 when the value cannot name one. */
  resource: string;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  headers?: ('Location' | 'ETag')[];
}

/** One route. `B` and `Q` are the parsed body and query. */
export interface RouteSpec<B = unknown, Q = unknown> {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/admin/clients/{clientId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Required scope; `undefined` = public (no token needed). */
  scope: string | undefined;
  query: z.ZodType<Q>;
  /** Request body schema; absent = the route takes no body. */
  body?: z.ZodType<B>;
  /** Whether an empty body stands for `{}`. */
  bodyOptional?: boolean;
  /** Whether the route honours `If-Match`. */
  ifMatch?: boolean;
  responses: Record<number, ResponseSpec>;
  /** Problems the operation itself can answer (besides the router's 400/401/403/404/405/413/415). */
  problems: ProblemSlug[];
  handle(ctx: OperationContext<B, Q>): Promise<HttpResponse>;
}

/** A route with its types erased, as the router holds it. */
export type AnyRoute = RouteSpec<unknown, unknown>;

function route<B, Q>(spec: RouteSpec<B, Q>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export const PATH_PARAMS: Record<string, PathParam> = {
  identifier: {
    schema: ApiIdentifierSchema,
    description: 'The API identifier, percent-encoded (encodeURIComponent)',
    resource: 'API',
  },
  clientId: { schema: z.string().regex(CLIENT_ID), description: 'The client id', resource: 'client' },
  secretId: { schema: z.string().regex(SECRET_ID), description: 'The secret id', resource: 'secret' },
  audience: {
    schema: ApiIdentifierSchema,
    description: 'The API identifier of the rule or grant, percent-encoded (encodeURIComponent)',
    resource: 'rule or grant',
  },
  userId: { schema: z.string().regex(USER_ID), description: 'The user id', resource: 'user' },
};

const etagged = ['ETag'] as ('Location' | 'ETag')[];
const created = ['Location', 'ETag'] as ('Location' | 'ETag')[];

export const ROUTES: readonly AnyRoute[] = [
  route({
    method: 'GET',
    path: ADMIN_OPENAPI_PATH,
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document',
    tag: 'meta',
    scope: undefined,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The OpenAPI document' } },
    problems: [],
    // Answered by the router, which builds the document from this table.
    handle: async () => json(500, {}),
  }),
  // ---- APIs ----
  route({
    method: 'GET',
    path: '/admin/apis',
    operationId: 'listApis',
    summary: 'List APIs, newest first',
    tag: 'apis',
    scope: ADMIN_READ,
    query: PageQuerySchema,
    responses: { 200: { description: 'A page of APIs', schema: ApiListSchema } },
    problems: [],
    handle: listApis,
  }),
  route({
    method: 'POST',
    path: '/admin/apis',
    operationId: 'createApi',
    summary: 'Register an API (resource server) with its scopes',
    tag: 'apis',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: ApiCreateSchema,
    responses: { 201: { description: 'The API', schema: ApiSchema, headers: created } },
    problems: ['already-exists'],
    handle: createApi,
  }),
  route({
    method: 'GET',
    path: '/admin/apis/{identifier}',
    operationId: 'getApi',
    summary: 'Read an API',
    tag: 'apis',
    scope: ADMIN_READ,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The API', schema: ApiSchema, headers: etagged } },
    problems: [],
    handle: getApi,
  }),
  route({
    method: 'PATCH',
    path: '/admin/apis/{identifier}',
    operationId: 'updateApi',
    summary: 'Change an API; rules keep in step with its token lifetime',
    tag: 'apis',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: ApiUpdateSchema,
    ifMatch: true,
    responses: { 200: { description: 'The API', schema: ApiSchema, headers: etagged } },
    problems: ['version-conflict', 'precondition-failed', 'in-use'],
    handle: updateApi,
  }),
  route({
    method: 'DELETE',
    path: '/admin/apis/{identifier}',
    operationId: 'deleteApi',
    summary: 'Delete an API no rule refers to',
    tag: 'apis',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    ifMatch: true,
    responses: { 204: { description: 'Deleted' } },
    problems: ['version-conflict', 'precondition-failed', 'in-use'],
    handle: deleteApi,
  }),
  // ---- clients ----
  route({
    method: 'GET',
    path: '/admin/clients',
    operationId: 'listClients',
    summary: 'List clients, newest first; search by name or id, filter by status',
    tag: 'clients',
    scope: ADMIN_READ,
    query: ClientListQuerySchema,
    responses: { 200: { description: 'A page of clients', schema: ClientListSchema } },
    problems: [],
    handle: listClients,
  }),
  route({
    method: 'POST',
    path: '/admin/clients',
    operationId: 'createClient',
    summary:
      'Register a client; a confidential one gets its first secret, shown once in the response; a public one (none) gets none',
    tag: 'clients',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: ClientCreateSchema,
    responses: {
      201: {
        description:
          'The client; its first secret (confidential clients); a token request (client_credentials); the endpoint URLs (authorization_code)',
        schema: ClientCreatedSchema,
        headers: created,
      },
    },
    problems: ['already-exists'],
    handle: createClient,
  }),
  route({
    method: 'GET',
    path: '/admin/clients/{clientId}',
    operationId: 'getClient',
    summary: 'Read a client',
    tag: 'clients',
    scope: ADMIN_READ,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The client', schema: ClientSchema, headers: etagged } },
    problems: [],
    handle: getClient,
  }),
  route({
    method: 'PATCH',
    path: '/admin/clients/{clientId}',
    operationId: 'updateClient',
    summary: 'Change a client, enable or disable it',
    tag: 'clients',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: ClientUpdateSchema,
    ifMatch: true,
    responses: { 200: { description: 'The client', schema: ClientSchema, headers: etagged } },
    problems: ['version-conflict', 'precondition-failed', 'last-admin', 'in-use', 'public-client'],
    handle: updateClient,
  }),
  route({
    method: 'DELETE',
    path: '/admin/clients/{clientId}',
    operationId: 'deleteClient',
    summary: 'Delete a client with its secrets and rules',
    tag: 'clients',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    ifMatch: true,
    responses: { 204: { description: 'Deleted' } },
    problems: ['version-conflict', 'precondition-failed', 'last-admin', 'in-use'],
    handle: deleteClient,
  }),
  // ---- secrets ----
  route({
    method: 'GET',
    path: '/admin/clients/{clientId}/secrets',
    operationId: 'listSecrets',
    summary: "List a client's secrets (never their values)",
    tag: 'secrets',
    scope: ADMIN_READ,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The secrets, newest first', schema: SecretListSchema } },
    problems: [],
    handle: listSecrets,
  }),
  route({
    method: 'POST',
    path: '/admin/clients/{clientId}/secrets',
    operationId: 'addSecret',
    summary: 'Add a secret; its value is shown once in the response',
    tag: 'secrets',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: SecretCreateSchema,
    bodyOptional: true,
    responses: {
      201: { description: 'The new secret with its value', schema: NewSecretSchema, headers: ['Location'] },
    },
    problems: ['limit-exceeded', 'public-client'],
    handle: addSecret,
  }),
  route({
    method: 'DELETE',
    path: '/admin/clients/{clientId}/secrets/{secretId}',
    operationId: 'revokeSecret',
    summary: 'Revoke a secret; it stops working at once',
    tag: 'secrets',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    responses: { 204: { description: 'Revoked' } },
    problems: ['last-admin'],
    handle: revokeSecret,
  }),
  // ---- rules ----
  route({
    method: 'GET',
    path: '/admin/clients/{clientId}/rules',
    operationId: 'listRules',
    summary: "List a client's rules",
    tag: 'rules',
    scope: ADMIN_READ,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The rules by audience', schema: RuleListSchema } },
    problems: [],
    handle: listRules,
  }),
  route({
    method: 'POST',
    path: '/admin/clients/{clientId}/rules',
    operationId: 'putRule',
    summary: 'Grant scopes on an API to the client (subjectType client) or its users (user); replaces that rule',
    tag: 'rules',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: RuleCreateSchema,
    responses: {
      200: { description: 'The replaced rule', schema: RuleSchema, headers: ['Location'] },
      201: { description: 'The new rule', schema: RuleSchema, headers: ['Location'] },
    },
    problems: ['limit-exceeded', 'last-admin', 'version-conflict', 'in-use'],
    handle: putRule,
  }),
  route({
    method: 'GET',
    path: '/admin/clients/{clientId}/rules/{audience}',
    operationId: 'getRule',
    summary: "Read a client's rule for one API (?subjectType=user: its user rule)",
    tag: 'rules',
    scope: ADMIN_READ,
    query: RuleQuerySchema,
    responses: { 200: { description: 'The rule', schema: RuleSchema } },
    problems: [],
    handle: getRule,
  }),
  route({
    method: 'DELETE',
    path: '/admin/clients/{clientId}/rules/{audience}',
    operationId: 'deleteRule',
    summary: 'Delete a rule (?subjectType=user: the user rule)',
    tag: 'rules',
    scope: ADMIN_WRITE,
    query: RuleQuerySchema,
    responses: { 204: { description: 'Deleted' } },
    problems: ['last-admin', 'in-use'],
    handle: deleteRule,
  }),
  // ---- users ----
  route({
    method: 'GET',
    path: '/admin/users',
    operationId: 'listUsers',
    summary: 'List users, newest first; search by username, email, name or id, filter by status',
    tag: 'users',
    scope: ADMIN_READ,
    query: UserListQuerySchema,
    responses: { 200: { description: 'A page of users', schema: UserListSchema } },
    problems: [],
    handle: listUsers,
  }),
  route({
    method: 'POST',
    path: '/admin/users',
    operationId: 'createUser',
    summary: 'Create a user, with a password or a one-time setup link (shown once)',
    tag: 'users',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: UserCreateSchema,
    responses: {
      201: {
        description: 'The user, and its setup link when created without a password',
        schema: UserCreatedSchema,
        headers: created,
      },
    },
    problems: ['already-exists'],
    handle: createUser,
  }),
  route({
    method: 'GET',
    path: '/admin/users/{userId}',
    operationId: 'getUser',
    summary: 'Read a user',
    tag: 'users',
    scope: ADMIN_READ,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The user', schema: UserSchema, headers: etagged } },
    problems: [],
    handle: getUser,
  }),
  route({
    method: 'PATCH',
    path: '/admin/users/{userId}',
    operationId: 'updateUser',
    summary: 'Change a user: name, email, status (enable/disable), password',
    tag: 'users',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: UserUpdateSchema,
    ifMatch: true,
    responses: { 200: { description: 'The user', schema: UserSchema, headers: etagged } },
    problems: ['version-conflict', 'precondition-failed'],
    handle: updateUser,
  }),
  route({
    method: 'DELETE',
    path: '/admin/users/{userId}',
    operationId: 'deleteUser',
    summary: 'Delete a user with its grants',
    tag: 'users',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    ifMatch: true,
    responses: { 204: { description: 'Deleted' } },
    problems: ['version-conflict', 'precondition-failed'],
    handle: deleteUser,
  }),
  // ---- user grants ----
  route({
    method: 'GET',
    path: '/admin/users/{userId}/grants',
    operationId: 'listGrants',
    summary: "List a user's grants",
    tag: 'grants',
    scope: ADMIN_READ,
    query: EmptyQuerySchema,
    responses: { 200: { description: 'The grants by audience', schema: GrantListSchema } },
    problems: [],
    handle: listGrants,
  }),
  route({
    method: 'POST',
    path: '/admin/users/{userId}/grants',
    operationId: 'putGrant',
    summary: 'Grant a user scopes on an API (replaces the grant for that API)',
    tag: 'grants',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    body: GrantPutSchema,
    responses: {
      200: { description: 'The replaced grant', schema: GrantSchema, headers: ['Location'] },
      201: { description: 'The new grant', schema: GrantSchema, headers: ['Location'] },
    },
    problems: ['limit-exceeded', 'version-conflict'],
    handle: putGrant,
  }),
  route({
    method: 'DELETE',
    path: '/admin/users/{userId}/grants/{audience}',
    operationId: 'deleteGrant',
    summary: "Delete a user's grant on an API",
    tag: 'grants',
    scope: ADMIN_WRITE,
    query: EmptyQuerySchema,
    responses: { 204: { description: 'Deleted' } },
    problems: [],
    handle: deleteGrant,
  }),
  // ---- audit ----
  route({
    method: 'GET',
    path: '/admin/audit',
    operationId: 'listAudit',
    summary: 'Read the audit trail, newest first',
    tag: 'audit',
    scope: ADMIN_READ,
    query: AuditQuerySchema,
    responses: { 200: { description: 'A page of audit events', schema: AuditListSchema } },
    problems: [],
    handle: async (ctx: OperationContext<unknown, z.output<typeof AuditQuerySchema>>) => {
      const { query } = ctx;
      const page = await ctx.deps.auditTrail.listAudit({
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: query.cursor,
        from: query.from === undefined ? undefined : new Date(query.from).toISOString(),
        to: query.to === undefined ? undefined : new Date(query.to).toISOString(),
        actor: query.actor,
        actorUserId: query.actorUserId,
        action: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
      });
      return json(200, {
        items: page.items.map(auditEventView),
        ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
      });
    },
  }),
];
