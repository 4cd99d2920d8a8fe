/**
 * `/admin/clients/{clientId}/rules`: a rule lets one client obtain scopes on one API, optionally with
 * static claims in its tokens. One rule per client and API: granting again replaces it. Scopes must
 * exist on the API; reserved JWT claims are refused (schemas.ts).
 */
import type { z } from 'zod';
import type { ClientBundle, Rule } from '../model';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { iso, json } from './context';
import { deleteClientPart, writeOrConcurrentChange } from './audited-writes';
import { clientLocation, loadBundle } from './clients-service';
import { guardLastAdminWriter } from './guard-rails';
import { ProblemError, notFound, validationProblem } from './problem';
import type { ProblemFieldError } from './problem';
import type { RuleCreateSchema } from './schemas';
import { ruleView } from './views';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

/** Rules per client (a client deletion must fit one transaction). */
export const MAX_RULES_PER_CLIENT = 50;

export function ruleLocation(clientId: string, audience: string): string {
  return `${clientLocation(clientId)}/rules/${encodeURIComponent(audience)}`;
}

function byAudience(a: Rule, b: Rule): number {
  return a.audience < b.audience ? -1 : a.audience > b.audience ? 1 : 0;
}

export async function listRules(ctx: Ctx) {
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  return json(200, { items: [...bundle.rules].sort(byAudience).map(ruleView) });
}

function noRule(clientId: string, audience: string): string {
  return `client ${clientId} has no rule for ${audience}`;
}

function findRule(bundle: ClientBundle, audience: string): Rule {
  const rule = bundle.rules.find((r) => r.audience === audience);
  if (rule === undefined) throw notFound(noRule(bundle.client.clientId, audience));
  return rule;
}

export async function getRule(ctx: Ctx) {
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  return json(200, ruleView(findRule(bundle, ctx.params['audience']!)));
}

export async function putRule(ctx: Ctx<z.output<typeof RuleCreateSchema>>) {
  const { body } = ctx;
  const clientId = ctx.params['clientId']!;
  const bundle = await loadBundle(ctx, clientId);
  const api = await ctx.deps.apis.getApi(body.audience);
  if (api === undefined) {
    throw validationProblem([{ pointer: '/audience', detail: 'is not the identifier of a registered API' }]);
  }
  const known = new Set(api.scopes.map((s) => s.value));
  const unknown: ProblemFieldError[] = [];
  body.scopes.forEach((scope, index) => {
    if (!known.has(scope)) unknown.push({ pointer: `/scopes/${index}`, detail: `is not a scope of ${api.identifier}` });
  });
  if (unknown.length > 0) throw validationProblem(unknown);

  const existing = bundle.rules.find((r) => r.audience === body.audience);
  if (existing === undefined && bundle.rules.length >= MAX_RULES_PER_CLIENT) {
    throw new ProblemError('limit-exceeded', `client ${clientId} has ${bundle.rules.length} rules, the most allowed`);
  }
  const rule: Rule = { audience: body.audience, scopes: body.scopes, createdAt: existing?.createdAt ?? iso(ctx.now) };
  if (body.claims !== undefined) rule.claims = body.claims;
  if (api.accessTokenTtl !== undefined) rule.apiAccessTokenTtl = api.accessTokenTtl;
  if (api.tokenReuse !== undefined) rule.apiTokenReuse = api.tokenReuse;

  const location = { Location: ruleLocation(clientId, rule.audience) };
  const diff = diffViews(existing === undefined ? undefined : ruleView(existing), ruleView(rule));
  if (
    existing !== undefined &&
    Object.keys(diff).length === 0 &&
    existing.apiAccessTokenTtl === rule.apiAccessTokenTtl &&
    existing.apiTokenReuse === rule.apiTokenReuse
  ) {
    return json(200, ruleView(existing), location);
  }
  const others = bundle.rules.filter((r) => r.audience !== rule.audience);
  await guardLastAdminWriter(ctx.deps, bundle, { ...bundle, rules: [...others, rule] }, ctx.now, 'narrowing this rule');
  const audit = auditEvent(ctx.audit(), 'rule.put', 'rule', rule.audience, diff, clientId);
  await writeOrConcurrentChange(ctx, () => ctx.deps.clients.putRule(clientId, rule, api.version, audit));
  return json(existing === undefined ? 201 : 200, ruleView(rule), location);
}

export async function deleteRule(ctx: Ctx) {
  const clientId = ctx.params['clientId']!;
  const audience = ctx.params['audience']!;
  const bundle = await loadBundle(ctx, clientId);
  const rule = findRule(bundle, audience);
  return deleteClientPart(ctx, {
    bundle,
    after: { ...bundle, rules: bundle.rules.filter((r) => r !== rule) },
    change: 'deleting this rule',
    action: 'rule.delete',
    targetType: 'rule',
    targetId: audience,
    view: ruleView(rule),
    remove: (audit) => ctx.deps.clients.deleteRule(clientId, audience, audit),
    missing: noRule(clientId, audience),
  });
}
