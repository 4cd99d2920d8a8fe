/**
 * Wire representations of the model (schemas.ts describes them). Secrets appear without value or
 * hash; storage-only fields (the rule's `apiAccessTokenTtl` snapshot) are not shown.
 */
import type { z } from 'zod';
import { secretExpired } from '../client-auth/client-authentication';
import { ruleSubjectType } from '../model';
import type { Api, Client, ClientSecret, JsonValue, Rule } from '../model';
import {
  allowedOriginsOf,
  maxSessionsPerUserOf,
  refreshTokenTtlOf,
  requiresConsent,
  usesCodeFlow,
  usesRefreshTokens,
} from '../people/client-settings';
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
    userAccess: api.userAccess,
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
    ...peopleSettingsView(client),
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
    version: client.version,
  });
}

/**
 * The settings for people with their effective values (defaults computed, people/client-settings.ts):
 * the code-flow ones for clients with `authorization_code`, the refresh-token ones for clients with
 * `refresh_token`; nothing for a client-credentials client, whose view stays as it always was.
 */
function peopleSettingsView(client: Client): Partial<ClientView> {
  const view: Partial<ClientView> = {};
  if (usesCodeFlow(client)) {
    view.redirectUris = [...(client.redirectUris ?? [])];
    if (client.postLogoutRedirectUris !== undefined) view.postLogoutRedirectUris = [...client.postLogoutRedirectUris];
    view.allowedOrigins = allowedOriginsOf(client);
    view.requireConsent = requiresConsent(client);
  }
  if (usesRefreshTokens(client)) {
    view.refreshTokenTtl = refreshTokenTtlOf(client);
    if (client.refreshTokenIdleTtl !== undefined) view.refreshTokenIdleTtl = client.refreshTokenIdleTtl;
    view.maxSessionsPerUser = maxSessionsPerUserOf(client);
  }
  return view;
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

/** A rule as shown; `subjectType: "user"` on user rules only, so client rules look as they always did. */
export function ruleView(rule: Rule): RuleView {
  return defined({
    audience: rule.audience,
    scopes: [...rule.scopes],
    claims: rule.claims as Record<string, JsonValue> | undefined,
    subjectType: ruleSubjectType(rule) === 'user' ? ('user' as const) : undefined,
    createdAt: rule.createdAt,
  });
}

export function auditEventView(event: AuditEvent): AuditEventView {
  return {
    id: event.eventId,
    at: event.at,
    actor: defined({
      clientId: event.actor,
      jti: event.actorJti,
      userId: event.actorUserId,
      username: event.actorUsername,
    }),
    action: event.action,
    target: defined({
      type: event.targetType,
      id: event.targetId,
      clientId: event.clientId,
      subjectType: event.subjectType,
      userId: event.userId,
    }),
    diff: event.diff as AuditEventView['diff'],
  };
}
