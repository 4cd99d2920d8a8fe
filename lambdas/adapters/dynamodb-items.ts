/**
 * Mapping between the core's model (lambdas/domain/model.ts) and DynamoDB items of the single table
 * (dynamodb-table.ts). Key and index attributes are added here and stripped on the way back, so no
 * storage detail leaks into the core and no caller can mass-assign one.
 */
import type { AuditEvent } from '../domain/admin/audit';
import { ruleSubjectType } from '../domain/model';
import type { Api, Client, ClientBundle, ClientSecret, Rule, SubjectType } from '../domain/model';
import { ATTR, keys } from './dynamodb-table';
import type { ItemType } from './dynamodb-table';

/** A raw item as the document client returns it. */
export type Item = Record<string, unknown>;

const STORAGE_ATTRS: ReadonlySet<string> = new Set([ATTR.pk, ATTR.sk, ATTR.gsi1pk, ATTR.gsi1sk, ATTR.ttl, ATTR.type]);

/** The item's own attributes without keys, index keys, `ttl` and `type`. */
export function strip(item: Item): Item {
  const out: Item = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRS.has(name)) out[name] = value;
  return out;
}

/** Primary keys (`{pk, sk}`) of the items, for Get, Delete, Update and ConditionCheck. */
export const itemKeys = {
  client: (clientId: string): Item => ({ [ATTR.pk]: keys.clientPk(clientId), [ATTR.sk]: keys.clientSk }),
  secret: (clientId: string, secretId: string): Item => ({
    [ATTR.pk]: keys.clientPk(clientId),
    [ATTR.sk]: keys.secretSk(secretId),
  }),
  /** A client rule at `RULE#<audience>` (as always), a user rule at `USERRULE#<audience>`. */
  rule: (clientId: string, audience: string, subjectType: SubjectType = 'client'): Item => ({
    [ATTR.pk]: keys.clientPk(clientId),
    [ATTR.sk]: subjectType === 'user' ? keys.userRuleSk(audience) : keys.ruleSk(audience),
  }),
  api: (identifier: string): Item => ({ [ATTR.pk]: keys.apiPk(identifier), [ATTR.sk]: keys.apiSk }),
} as const;

export function itemType(item: Item): ItemType | undefined {
  return item[ATTR.type] as ItemType | undefined;
}

export function clientItem(client: Client): Item {
  return {
    ...client,
    [ATTR.pk]: keys.clientPk(client.clientId),
    [ATTR.sk]: keys.clientSk,
    [ATTR.type]: 'client',
    [ATTR.gsi1pk]: keys.clientsIndexPk,
    [ATTR.gsi1sk]: keys.createdIndexSk(client.createdAt, client.clientId),
    // Case-insensitive search by name (admin list `?q=`).
    nameLower: client.name.toLowerCase(),
  };
}

export function clientFromItem(item: Item): Client {
  const { nameLower: _nameLower, ...client } = strip(item);
  return client as unknown as Client;
}

export function secretItem(clientId: string, secret: ClientSecret): Item {
  return {
    ...secret,
    [ATTR.pk]: keys.clientPk(clientId),
    [ATTR.sk]: keys.secretSk(secret.secretId),
    [ATTR.type]: 'secret',
  };
}

export function secretFromItem(item: Item): ClientSecret {
  return strip(item) as unknown as ClientSecret;
}

export function ruleItem(clientId: string, rule: Rule): Item {
  return {
    ...rule,
    clientId,
    ...itemKeys.rule(clientId, rule.audience, ruleSubjectType(rule)),
    [ATTR.type]: 'rule',
    [ATTR.gsi1pk]: keys.rulesIndexPk(rule.audience),
    [ATTR.gsi1sk]: keys.clientPk(clientId),
  };
}

export function ruleFromItem(item: Item): Rule {
  const { clientId: _clientId, ...rule } = strip(item);
  return rule as unknown as Rule;
}

export function apiItem(api: Api): Item {
  return {
    ...api,
    [ATTR.pk]: keys.apiPk(api.identifier),
    [ATTR.sk]: keys.apiSk,
    [ATTR.type]: 'api',
    [ATTR.gsi1pk]: keys.apisIndexPk,
    [ATTR.gsi1sk]: keys.createdIndexSk(api.createdAt, api.identifier),
  };
}

/** The API without its storage attributes (`rulesVersion` too: it belongs to the store's conditions). */
export function apiFromItem(item: Item): Api {
  const { [ATTR.rulesVersion]: _rulesVersion, ...api } = strip(item);
  return api as unknown as Api;
}

export function auditItem(event: AuditEvent): Item {
  return {
    ...event,
    [ATTR.pk]: keys.auditPk,
    [ATTR.sk]: keys.auditSk(event.at, event.eventId),
    [ATTR.type]: 'audit',
    // DynamoDB TTL (epoch seconds) expires the event where the stage says so.
    ...(event.expiresAt === undefined ? {} : { [ATTR.ttl]: event.expiresAt }),
  };
}

export function auditFromItem(item: Item): AuditEvent {
  return strip(item) as unknown as AuditEvent;
}

/** Assembles the bundle from a client's item collection; `undefined` without the client item. */
export function bundleFromItems(items: Item[]): ClientBundle | undefined {
  let client: Client | undefined;
  const secrets: ClientSecret[] = [];
  const rules: Rule[] = [];
  for (const item of items) {
    switch (itemType(item)) {
      case 'client':
        client = clientFromItem(item);
        break;
      case 'secret':
        secrets.push(secretFromItem(item));
        break;
      case 'rule':
        rules.push(ruleFromItem(item));
        break;
      default:
        break;
    }
  }
  return client === undefined ? undefined : { client, secrets, rules };
}

/** The items that create a client's item collection. */
export function bundleItems(bundle: ClientBundle): Item[] {
  const { client, secrets, rules } = bundle;
  return [
    clientItem(client),
    ...secrets.map((secret) => secretItem(client.clientId, secret)),
    ...rules.map((rule) => ruleItem(client.clientId, rule)),
  ];
}
