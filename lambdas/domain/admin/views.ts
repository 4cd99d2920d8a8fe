/**
 * Wire representations of the model (schemas.ts describes them). Secrets appear without value or
 * hash; storage-only fields (the rule's `apiAccessTokenTtl` snapshot) are not shown.
 */
import type { z } from 'zod';
import { secretExpired } from '../client-auth/client-authentication';
import type { Api, Client, ClientSecret, JsonValue, Rule } from '../model';
import type { AuditEvent } from './audit';
import type { ApiSchema, AuditEventSchema, ClientSchema, RuleSchema, SecretSchema } from './schemas';

export type ApiView = z.output<typeof ApiSchema>;
export type ClientView = z.output<typeof ClientSchema>;
export type SecretView = z.output<typeof SecretSchema>;
export type RuleView = z.output<typeof RuleSchema>;
export type AuditEventView = z.output<typeof AuditEventSchema>;

/** Drops properties whose value is `undefined`, so JSON and diffs see only what is there. */
function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) if (v !== undefined) out[name] = v;
  return out as T;
}

export function apiView(api: Api): ApiView {
  return defined({
    identifier: api.identifier,
    name: api.name,
    scopes: api.scopes.map((s) => defined({ value: s.value, description: s.description })),
    accessTokenTtl: api.accessTokenTtl,
    tokenReuse: api.tokenReuse,
    createdAt: api.createdAt,
    updatedAt: api.updatedAt,
    version: api.version,
  });
}

export function clientView(client: Client): ClientView {
  return defined({
    clientId: client.clientId,
    name: client.name,
    description: client.description,
    status: client.status,
    grantTypes: [...client.grantTypes],
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    accessTokenTtl: client.accessTokenTtl,
    external: client.external ?? false,
    tokenReuse: client.tokenReuse ?? false,
    metadata: (client.metadata ?? {}) as Record<string, JsonValue>,
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
    version: client.version,
  });
}

/** A secret as listed: never its value or hash. */
export function secretView(secret: ClientSecret, nowMs: number): SecretView {
  return defined({
    id: secret.secretId,
    status: secretExpired(secret, nowMs) ? ('expired' as const) : ('active' as const),
    createdAt: secret.createdAt,
    expiresAt: secret.expiresAt,
    lastUsedAt: secret.lastUsedAt,
  });
}

export function ruleView(rule: Rule): RuleView {
  return defined({
    audience: rule.audience,
    scopes: [...rule.scopes],
    claims: rule.claims as Record<string, JsonValue> | undefined,
    createdAt: rule.createdAt,
  });
}

export function auditEventView(event: AuditEvent): AuditEventView {
  return {
    id: event.eventId,
    at: event.at,
    actor: { clientId: event.actor, jti: event.actorJti },
    action: event.action,
    target: defined({ type: event.targetType, id: event.targetId, clientId: event.clientId, userId: event.userId }),
    diff: event.diff as AuditEventView['diff'],
  };
}
