/**
 * `/admin/clients`: OAuth clients. Creation returns the first secret exactly once (confidential
 * clients; a public client, `none`, gets none), a ready `curl` token request (client-credentials
 * clients) and the authorization and token endpoint URLs (code-flow clients); every change is
 * versioned (If-Match / `version`), checked against the cross-field rules on the merged result
 * (client-registration.ts) and audited.
 */
import type { z } from 'zod';
import { AUTHORIZE_PATH, TOKEN_PATH } from '../endpoints/paths';
import { ConflictError } from '../errors';
import { echoOr } from '../oauth-grammar';
import type { Client, ClientBundle, ClientSecret, JsonValue } from '../model';
import { isPublicClient, usesCodeFlow } from '../people/client-settings';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { checkVersion, etag, iso, json, noContent } from './context';
import { updateVersioned, writeOrConcurrentChange } from './audited-writes';
import { checkClientParts, checkClientRegistration } from './client-registration';
import { guardBuiltInClientChange, guardBuiltInClientDelete } from './built-in-clients';
import { guardLastAdminWriter } from './guard-rails';
import { ProblemError, notFound } from './problem';
import type { ClientCreateSchema, ClientListQuerySchema, ClientUpdateSchema } from './schemas';
import { DEFAULT_PAGE_SIZE } from './schemas';
import { clientView, ruleView } from './views';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

export function clientLocation(clientId: string): string {
  return `/admin/clients/${encodeURIComponent(clientId)}`;
}

/** The client's bundle, or 404. */
export async function loadBundle(ctx: Ctx, clientId: string): Promise<ClientBundle> {
  const bundle = await ctx.deps.clients.loadClientBundle(clientId);
  if (bundle === undefined) throw notFound(`no client with id ${echoOr(clientId, '(not shown)')}`);
  return bundle;
}

/**
 * A ready token request (RFC 6749 §4.4.2) with the client's registered authentication method. The
 * audience stays a placeholder: a client obtains tokens once a rule grants it scopes on an API.
 */
export function tokenCurl(issuer: string, client: Client, secret: string): string {
  const auth =
    client.tokenEndpointAuthMethod === 'client_secret_basic'
      ? `-u '${client.clientId}:${secret}'`
      : `-d 'client_id=${client.clientId}' -d 'client_secret=${secret}'`;
  return (
    `curl -sS -X POST '${issuer}${TOKEN_PATH}' ${auth} ` +
    `-d 'grant_type=client_credentials' --data-urlencode 'audience=YOUR_API_IDENTIFIER'`
  );
}

/** A new secret's value and stored form. */
export function newSecret(ctx: Ctx, expiresAt?: string): { value: string; secret: ClientSecret } {
  const value = ctx.deps.ids.clientSecret();
  const secret: ClientSecret = {
    secretId: ctx.deps.ids.secretId(),
    hash: ctx.deps.hasher.hash(value),
    createdAt: iso(ctx.now),
  };
  if (expiresAt !== undefined) secret.expiresAt = iso(Date.parse(expiresAt));
  return { value, secret };
}

/** What a secret looks like in an audit diff: no value, no hash. */
export function secretAuditView(secret: ClientSecret): Record<string, JsonValue> {
  const view: Record<string, JsonValue> = { id: secret.secretId, createdAt: secret.createdAt };
  if (secret.expiresAt !== undefined) view['expiresAt'] = secret.expiresAt;
  return view;
}

/** The settings for people that a create or PATCH body may carry; `null` (PATCH) removes one. */
const PEOPLE_FIELDS = [
  'redirectUris',
  'postLogoutRedirectUris',
  'allowedOrigins',
  'requireConsent',
  'refreshTokenTtl',
  'refreshTokenIdleTtl',
  'maxSessionsPerUser',
] as const;

type PeopleFields = Partial<{ [K in (typeof PEOPLE_FIELDS)[number]]: Client[K] | null }>;

/** Applies the body's settings for people to `client`: a value sets, `null` removes, absent keeps. */
function applyPeopleFields(client: Client, body: PeopleFields): void {
  const target = client as unknown as Record<string, unknown>;
  for (const field of PEOPLE_FIELDS) {
    const value = body[field];
    if (value === null) delete target[field];
    else if (value !== undefined) target[field] = Array.isArray(value) ? [...(value as string[])] : value;
  }
}

/** RFC 8414 §2 endpoint URLs a code-flow client is configured with. */
export function codeFlowEndpoints(issuer: string): { authorization: string; token: string } {
  return { authorization: `${issuer}${AUTHORIZE_PATH}`, token: `${issuer}${TOKEN_PATH}` };
}

export async function createClient(ctx: Ctx<z.output<typeof ClientCreateSchema>>) {
  const { body } = ctx;
  const now = iso(ctx.now);
  const client: Client = {
    clientId: ctx.deps.ids.clientId(),
    name: body.name,
    status: 'enabled',
    grantTypes: body.grantTypes,
    tokenEndpointAuthMethod: body.tokenEndpointAuthMethod,
    external: body.external ?? false,
    tokenReuse: body.tokenReuse ?? false,
    metadata: body.metadata ?? {},
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (body.description !== undefined) client.description = body.description;
  if (body.accessTokenTtl !== undefined) client.accessTokenTtl = body.accessTokenTtl;
  applyPeopleFields(client, body);
  checkClientRegistration(client);
  // RFC 6749 §2.1: a public client cannot keep a secret, so it is given none.
  const first = isPublicClient(client) ? undefined : newSecret(ctx);
  const secrets = first === undefined ? [] : [first.secret];
  const view = clientView(client);
  const diff = diffViews(undefined, { ...view, secrets: secrets.map(secretAuditView) });
  const audit = auditEvent(ctx.audit(), 'client.create', 'client', client.clientId, diff);
  try {
    await ctx.deps.clients.createClient({ client, secrets, rules: [] }, audit);
  } catch (err) {
    if (err instanceof ConflictError)
      throw new ProblemError('already-exists', 'the generated client id is taken; retry');
    throw err;
  }
  const { issuer } = ctx.deps.config;
  const created: Record<string, unknown> = { client: view };
  if (first !== undefined) {
    created['secret'] = { id: first.secret.secretId, value: first.value, createdAt: first.secret.createdAt };
    if (client.grantTypes.includes('client_credentials')) created['curl'] = tokenCurl(issuer, client, first.value);
  }
  if (usesCodeFlow(client)) created['endpoints'] = codeFlowEndpoints(issuer);
  return json(201, created, { Location: clientLocation(client.clientId), ETag: etag(client.version) });
}

export async function listClients(ctx: Ctx<unknown, z.output<typeof ClientListQuerySchema>>) {
  const { query } = ctx;
  const page = await ctx.deps.clients.listClients({
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
    q: query.q,
    status: query.status,
    order: query.order,
  });
  return json(200, {
    items: page.items.map(clientView),
    ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
  });
}

export async function getClient(ctx: Ctx) {
  const { client } = await loadBundle(ctx, ctx.params['clientId']!);
  return json(200, clientView(client), { ETag: etag(client.version) });
}

export async function updateClient(ctx: Ctx<z.output<typeof ClientUpdateSchema>>) {
  const { body } = ctx;
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  const current = bundle.client;
  checkVersion(ctx, current.version, body.version);
  const next: Client = { ...current };
  if (body.name !== undefined) next.name = body.name;
  if (body.status !== undefined) next.status = body.status;
  if (body.grantTypes !== undefined) next.grantTypes = body.grantTypes;
  if (body.tokenEndpointAuthMethod !== undefined) next.tokenEndpointAuthMethod = body.tokenEndpointAuthMethod;
  if (body.external !== undefined) next.external = body.external;
  if (body.tokenReuse !== undefined) next.tokenReuse = body.tokenReuse;
  if (body.description === null) delete next.description;
  else if (body.description !== undefined) next.description = body.description;
  if (body.accessTokenTtl === null) delete next.accessTokenTtl;
  else if (body.accessTokenTtl !== undefined) next.accessTokenTtl = body.accessTokenTtl;
  if (body.metadata === null) next.metadata = {};
  else if (body.metadata !== undefined) next.metadata = body.metadata;
  applyPeopleFields(next, body);
  // The same invariants as at creation, on the merged result; then what the stored parts need.
  checkClientRegistration(next);
  checkClientParts(bundle, next);
  guardBuiltInClientChange(ctx.deps.config.issuer, next);

  return updateVersioned(ctx, {
    current,
    next,
    view: clientView,
    action: 'client.update',
    targetType: 'client',
    targetId: current.clientId,
    check: () => guardLastAdminWriter(ctx.deps, bundle, { ...bundle, client: next }, ctx.now, 'disabling it'),
    write: (client, expectedVersion, audit) => ctx.deps.clients.updateClient(client, expectedVersion, audit),
  });
}

export async function deleteClient(ctx: Ctx) {
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  const current = bundle.client;
  checkVersion(ctx, current.version);
  guardBuiltInClientDelete(current.clientId);
  await guardLastAdminWriter(ctx.deps, bundle, undefined, ctx.now, 'deleting it');
  const diff = diffViews(
    {
      ...clientView(current),
      secrets: bundle.secrets.map(secretAuditView),
      rules: bundle.rules.map((r) => ruleView(r) as unknown as JsonValue),
    },
    undefined,
  );
  const audit = auditEvent(ctx.audit(), 'client.delete', 'client', current.clientId, diff);
  await writeOrConcurrentChange(ctx, () => ctx.deps.clients.deleteClient(current.clientId, current.version, audit));
  return noContent();
}
