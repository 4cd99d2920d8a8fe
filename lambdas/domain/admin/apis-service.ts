/**
 * `/admin/apis`: APIs (resource servers) and their scopes. An API's identifier is the `aud` of its
 * tokens and appears percent-encoded in paths (`/admin/apis/https%3A%2F%2Fapi.example.com`).
 */
import type { z } from 'zod';
import { ADMIN_READ, ADMIN_WRITE, adminAudience } from '../bootstrap';
import { ConflictError } from '../errors';
import { echo } from '../oauth-grammar';
import type { Api } from '../model';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { checkVersion, etag, iso, json, noContent } from './context';
import { updateVersioned, writeOrConcurrentChange } from './audited-writes';
import { ProblemError, notFound, validationProblem } from './problem';
import type { ProblemFieldError } from './problem';
import type { ApiCreateSchema, ApiUpdateSchema, PageQuerySchema } from './schemas';
import { DEFAULT_PAGE_SIZE } from './schemas';
import { apiView } from './views';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

/** Path of an API resource. */
export function apiLocation(identifier: string): string {
  return `/admin/apis/${encodeURIComponent(identifier)}`;
}

async function loadApi(ctx: Ctx, identifier: string): Promise<Api> {
  const api = await ctx.deps.apis.getApi(identifier);
  if (api === undefined) throw notFound(`no API with identifier ${identifier}`);
  return api;
}

export async function createApi(ctx: Ctx<z.output<typeof ApiCreateSchema>>) {
  const { body } = ctx;
  const now = iso(ctx.now);
  const api: Api = {
    identifier: body.identifier,
    name: body.name,
    scopes: body.scopes,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (body.accessTokenTtl !== undefined) api.accessTokenTtl = body.accessTokenTtl;
  if (body.tokenReuse !== undefined) api.tokenReuse = body.tokenReuse;
  if (body.userAccess !== undefined) api.userAccess = body.userAccess;
  if (body.introspectors !== undefined && body.introspectors.length > 0) api.introspectors = body.introspectors;
  const view = apiView(api);
  const audit = auditEvent(ctx.audit(), 'api.create', 'api', api.identifier, diffViews(undefined, view));
  try {
    await ctx.deps.apis.createApi(api, audit);
  } catch (err) {
    if (err instanceof ConflictError) {
      const shown = echo(api.identifier);
      throw new ProblemError(
        'already-exists',
        shown === undefined ? 'an API with this identifier exists' : `an API with identifier ${shown} exists`,
      );
    }
    throw err;
  }
  return json(201, view, { Location: apiLocation(api.identifier), ETag: etag(api.version) });
}

export async function listApis(ctx: Ctx<unknown, z.output<typeof PageQuerySchema>>) {
  const page = await ctx.deps.apis.listApis({ limit: ctx.query.limit ?? DEFAULT_PAGE_SIZE, cursor: ctx.query.cursor });
  return json(200, {
    items: page.items.map(apiView),
    ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
  });
}

export async function getApi(ctx: Ctx) {
  const api = await loadApi(ctx, ctx.params['identifier']!);
  return json(200, apiView(api), { ETag: etag(api.version) });
}

/** Scopes that rules still grant cannot be removed; the admin API's own scopes never. */
async function checkRemovedScopes(ctx: Ctx, api: Api, removed: string[]): Promise<void> {
  if (removed.length === 0) return;
  if (api.identifier === adminAudience(ctx.deps.config.issuer)) {
    const builtIn = removed.filter((s) => s === ADMIN_READ || s === ADMIN_WRITE);
    if (builtIn.length > 0) {
      throw new ProblemError(
        'in-use',
        `${builtIn.join(', ')} are built-in scopes of the admin API and cannot be removed`,
      );
    }
  }
  const rules = await ctx.deps.clients.listRulesForAudience(api.identifier);
  for (const scope of removed) {
    const holders = rules.filter((r) => r.rule.scopes.includes(scope)).map((r) => r.clientId);
    if (holders.length > 0) {
      throw new ProblemError(
        'in-use',
        `scope ${scope} is granted by the rules of ${holders.length} client(s) (${holders.slice(0, 5).join(', ')}` +
          `${holders.length > 5 ? ', ...' : ''}); change those rules first`,
      );
    }
  }
}

export async function updateApi(ctx: Ctx<z.output<typeof ApiUpdateSchema>>) {
  const { body } = ctx;
  const current = await loadApi(ctx, ctx.params['identifier']!);
  checkVersion(ctx, current.version, body.version);
  const next: Api = { ...current, scopes: body.scopes ?? current.scopes, name: body.name ?? current.name };
  if (body.accessTokenTtl === null) delete next.accessTokenTtl;
  else if (body.accessTokenTtl !== undefined) next.accessTokenTtl = body.accessTokenTtl;
  if (body.tokenReuse !== undefined) next.tokenReuse = body.tokenReuse;
  if (body.userAccess !== undefined) next.userAccess = body.userAccess;
  if (body.introspectors !== undefined) {
    if (body.introspectors.length === 0) delete next.introspectors;
    else next.introspectors = body.introspectors;
  }
  if (current.identifier === adminAudience(ctx.deps.config.issuer) && next.userAccess !== 'granted') {
    // The admin API is `granted`: a person holds admin:read or admin:write only by their own grants.
    throw new ProblemError('in-use', 'the admin API is built in with userAccess granted; it cannot change');
  }
  const kept = new Set(next.scopes.map((s) => s.value));
  return updateVersioned(ctx, {
    current,
    next,
    view: apiView,
    action: 'api.update',
    targetType: 'api',
    targetId: current.identifier,
    check: () =>
      checkRemovedScopes(
        ctx,
        current,
        current.scopes.map((s) => s.value).filter((s) => !kept.has(s)),
      ),
    write: (api, expectedVersion, audit) => ctx.deps.apis.updateApi(api, expectedVersion, audit),
  });
}

export async function deleteApi(ctx: Ctx) {
  const current = await loadApi(ctx, ctx.params['identifier']!);
  checkVersion(ctx, current.version);
  if (current.identifier === adminAudience(ctx.deps.config.issuer)) {
    throw new ProblemError('in-use', 'the admin API is built in and cannot be deleted');
  }
  const rules = await ctx.deps.clients.listRulesForAudience(current.identifier);
  if (rules.length > 0) {
    throw new ProblemError(
      'in-use',
      `${rules.length} client(s) hold rules on this API (${rules
        .slice(0, 5)
        .map((r) => r.clientId)
        .join(', ')}${rules.length > 5 ? ', ...' : ''}); delete those rules first`,
    );
  }
  const audit = auditEvent(
    ctx.audit(),
    'api.delete',
    'api',
    current.identifier,
    diffViews(apiView(current), undefined),
  );
  // A rule granted between the listing above and the delete: the store's condition refuses it.
  await writeOrConcurrentChange(ctx, () => ctx.deps.apis.deleteApi(current.identifier, current.version, audit), {
    'in-use': () =>
      new ProblemError('in-use', 'a rule was granted on this API meanwhile; delete the rules on it first'),
  });
  return noContent();
}

/**
 * The registered API a rule or a grant names, when every one of `scopes` is one of its scopes (what a
 * client rule, a user rule and a user's grant may hold).
 * @throws ProblemError 400 `validation-error` at `/audience` for an unknown API, at `/scopes/<i>` for each
 *   scope it does not define
 */
export async function registeredApiWithScopes(
  ctx: Pick<OperationContext, 'deps'>,
  audience: string,
  scopes: readonly string[],
): Promise<Api> {
  const api = await ctx.deps.apis.getApi(audience);
  if (api === undefined) {
    throw validationProblem([{ pointer: '/audience', detail: 'is not the identifier of a registered API' }]);
  }
  const known = new Set(api.scopes.map((s) => s.value));
  const unknown: ProblemFieldError[] = [];
  scopes.forEach((scope, index) => {
    if (!known.has(scope)) unknown.push({ pointer: `/scopes/${index}`, detail: `is not a scope of ${api.identifier}` });
  });
  if (unknown.length > 0) throw validationProblem(unknown);
  return api;
}
