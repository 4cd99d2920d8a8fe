/**
 * `/admin/clients/{clientId}/rules`: a rule lets one client obtain scopes on one API, optionally with
 * static claims in its tokens. A rule has a subject type: `client` (the default: what the client
 * obtains for itself with client credentials) or `user` (what it may request on behalf of a signed-in
 * user, authorization code). One rule per client, API and subject type: granting again replaces it.
 * A client rule needs the `client_credentials` grant, a user rule `authorization_code`. Scopes must
 * exist on the API; reserved JWT claims are refused (schemas.ts). A rule's path names its audience;
 * `?subjectType=user` picks the user rule (docs/contract.md, Admin API › Rules).
 */
import type { z } from 'zod';
import type { ClientBundle, Rule, SubjectType } from '../model';
import { ruleSubjectType } from '../model';
import { registeredApiWithScopes } from './apis-service';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { iso, json } from './context';
import { deleteClientPart, writeOrConcurrentChange } from './audited-writes';
import { clientLocation, loadBundle } from './clients-service';
import { guardBuiltInRule } from './built-in-clients';
import { guardLastAdminWriter } from './guard-rails';
import { ProblemError, notFound, validationProblem } from './problem';
import type { RuleCreateSchema, RuleQuerySchema } from './schemas';
import { ruleView } from './views';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

/** Rules per client (a client deletion must fit one transaction). */
export const MAX_RULES_PER_CLIENT = 50;

/** The grant type each subject type's rules are used with. */
const GRANT_OF: Record<SubjectType, 'client_credentials' | 'authorization_code'> = {
  client: 'client_credentials',
  user: 'authorization_code',
};

/** Path of a rule: its audience, and `?subjectType=user` for a user rule. */
export function ruleLocation(clientId: string, audience: string, subjectType: SubjectType = 'client'): string {
  const path = `${clientLocation(clientId)}/rules/${encodeURIComponent(audience)}`;
  return subjectType === 'user' ? `${path}?subjectType=user` : path;
}

/** By audience, then the client rule before the user rule. */
function byAudience(a: Rule, b: Rule): number {
  if (a.audience !== b.audience) return a.audience < b.audience ? -1 : 1;
  return ruleSubjectType(a) === ruleSubjectType(b) ? 0 : ruleSubjectType(a) === 'client' ? -1 : 1;
}

export async function listRules(ctx: Ctx) {
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  return json(200, { items: [...bundle.rules].sort(byAudience).map(ruleView) });
}

function noRule(clientId: string, audience: string, subjectType: SubjectType): string {
  return subjectType === 'user'
    ? `client ${clientId} has no user rule for ${audience}`
    : `client ${clientId} has no rule for ${audience}`;
}

function sameRule(audience: string, subjectType: SubjectType) {
  return (rule: Rule) => rule.audience === audience && ruleSubjectType(rule) === subjectType;
}

function findRule(bundle: ClientBundle, audience: string, subjectType: SubjectType): Rule {
  const rule = bundle.rules.find(sameRule(audience, subjectType));
  if (rule === undefined) throw notFound(noRule(bundle.client.clientId, audience, subjectType));
  return rule;
}

export async function getRule(ctx: Ctx<unknown, z.output<typeof RuleQuerySchema>>) {
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  return json(200, ruleView(findRule(bundle, ctx.params['audience']!, ctx.query.subjectType ?? 'client')));
}

export async function putRule(ctx: Ctx<z.output<typeof RuleCreateSchema>>) {
  const { body } = ctx;
  const clientId = ctx.params['clientId']!;
  const subjectType = body.subjectType ?? 'client';
  const bundle = await loadBundle(ctx, clientId);
  const needed = GRANT_OF[subjectType];
  if (!bundle.client.grantTypes.includes(needed)) {
    throw validationProblem([
      {
        pointer: '/subjectType',
        detail:
          subjectType === 'user'
            ? 'is user, which needs a client with the authorization_code grant'
            : 'is client (the default), which needs a client with the client_credentials grant; send user for a code-flow client',
      },
    ]);
  }
  const api = await registeredApiWithScopes(ctx, body.audience, body.scopes);

  guardBuiltInRule(ctx.deps.config.issuer, clientId, body.audience, subjectType, body.scopes);
  const existing = bundle.rules.find(sameRule(body.audience, subjectType));
  if (existing === undefined && bundle.rules.length >= MAX_RULES_PER_CLIENT) {
    throw new ProblemError('limit-exceeded', `client ${clientId} has ${bundle.rules.length} rules, the most allowed`);
  }
  const rule: Rule = { audience: body.audience, scopes: body.scopes, createdAt: existing?.createdAt ?? iso(ctx.now) };
  if (body.claims !== undefined) rule.claims = body.claims;
  if (api.accessTokenTtl !== undefined) rule.apiAccessTokenTtl = api.accessTokenTtl;
  if (api.tokenReuse !== undefined) rule.apiTokenReuse = api.tokenReuse;
  // A client rule is stored as it always was (no subjectType); a user rule carries its own and the
  // API's userAccess, so the authorize path reads one partition (docs/data-model.md, Rule snapshots).
  if (subjectType === 'user') {
    rule.subjectType = 'user';
    if (api.userAccess !== undefined) rule.apiUserAccess = api.userAccess;
  }

  const location = { Location: ruleLocation(clientId, rule.audience, subjectType) };
  const diff = diffViews(existing === undefined ? undefined : ruleView(existing), ruleView(rule));
  if (
    existing !== undefined &&
    Object.keys(diff).length === 0 &&
    existing.apiAccessTokenTtl === rule.apiAccessTokenTtl &&
    existing.apiTokenReuse === rule.apiTokenReuse &&
    existing.apiUserAccess === rule.apiUserAccess
  ) {
    return json(200, ruleView(existing), location);
  }
  const others = bundle.rules.filter((r) => !sameRule(rule.audience, subjectType)(r));
  await guardLastAdminWriter(ctx.deps, bundle, { ...bundle, rules: [...others, rule] }, ctx.now, 'narrowing this rule');
  const audit = auditEvent(ctx.audit(), 'rule.put', 'rule', rule.audience, diff, {
    clientId,
    ...(subjectType === 'user' ? { subjectType: 'user' as const } : {}),
  });
  // The store names the condition that failed: a client or a rule deleted meanwhile is gone (404),
  // anything else a concurrent change (409).
  await writeOrConcurrentChange(
    ctx,
    () => ctx.deps.clients.putRule(clientId, rule, api.version, audit, existing !== undefined),
    {
      'client-gone': () => notFound(`no client with id ${clientId}`),
      'rule-gone': () => notFound(noRule(clientId, rule.audience, subjectType)),
    },
  );
  return json(existing === undefined ? 201 : 200, ruleView(rule), location);
}

export async function deleteRule(ctx: Ctx<unknown, z.output<typeof RuleQuerySchema>>) {
  const clientId = ctx.params['clientId']!;
  const audience = ctx.params['audience']!;
  const subjectType = ctx.query.subjectType ?? 'client';
  const bundle = await loadBundle(ctx, clientId);
  const rule = findRule(bundle, audience, subjectType);
  guardBuiltInRule(ctx.deps.config.issuer, clientId, audience, subjectType, undefined);
  return deleteClientPart(ctx, {
    bundle,
    after: { ...bundle, rules: bundle.rules.filter((r) => r !== rule) },
    change: 'deleting this rule',
    action: 'rule.delete',
    targetType: 'rule',
    targetId: audience,
    subjectType: subjectType === 'user' ? 'user' : undefined,
    view: ruleView(rule),
    remove: (audit) => ctx.deps.clients.deleteRule(clientId, audience, audit, subjectType),
    missing: noRule(clientId, audience, subjectType),
  });
}
