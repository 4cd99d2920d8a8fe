/**
 * The single-table layout (docs/data-model.md, Items). One table, keys `pk`/`sk`, one GSI `gsi1` for listing.
 *
 * | item   | pk                    | sk                  | gsi1pk              | gsi1sk                  |
 * |--------|-----------------------|---------------------|---------------------|-------------------------|
 * | client | `CLIENT#<clientId>`   | `CLIENT`            | `CLIENTS`           | `<createdAt>#<clientId>`|
 * | secret | `CLIENT#<clientId>`   | `SECRET#<secretId>` |                     |                         |
 * | rule   | `CLIENT#<clientId>`   | `RULE#<audience>`   | `RULES#<audience>`  | `CLIENT#<clientId>`     |
 * | api    | `API#<identifier>`    | `API`               | `APIS`              | `<createdAt>#<identifier>` |
 * | audit  | `AUDIT`               | `<at>#<eventId>`    |                     |                         |
 * | signin | `SIGNIN#<digest>`     | `SIGNIN`            |                     |                         |
 * | authreq| `AUTHREQ#<digest>`    | `AUTHREQ`           |                     |                         |
 * | code   | `CODE#<digest>`       | `CODE`              |                     |                         |
 * | consent| `CONSENT#<userId>`    | `CLIENT#<clientId>` |                     |                         |
 *
 * The token endpoint reads a client, its secrets and its rules with one strongly consistent Query of
 * `pk = CLIENT#<clientId>`. Rules are indexed by audience so API changes reach them. `ttl` (epoch
 * seconds) expires audit items where the stage says so, and sign-in sessions, pending authorization
 * requests and codes after their `expiresAt` (cleanup only: expiry is checked in code). Every mutable item carries `version`.
 */

export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  ttl: 'ttl',
  type: 'type',
  version: 'version',
} as const;

export const GSI1 = 'gsi1';

export type ItemType = 'client' | 'secret' | 'rule' | 'api' | 'audit' | 'signin' | 'authreq' | 'code' | 'consent';

export const keys = {
  clientPk: (clientId: string) => `CLIENT#${clientId}`,
  clientSk: 'CLIENT',
  secretSk: (secretId: string) => `SECRET#${secretId}`,
  ruleSk: (audience: string) => `RULE#${audience}`,
  apiPk: (identifier: string) => `API#${identifier}`,
  apiSk: 'API',
  auditPk: 'AUDIT',
  auditSk: (at: string, eventId: string) => `${at}#${eventId}`,
  clientsIndexPk: 'CLIENTS',
  apisIndexPk: 'APIS',
  rulesIndexPk: (audience: string) => `RULES#${audience}`,
  createdIndexSk: (createdAt: string, id: string) => `${createdAt}#${id}`,
  /** A browser sign-in session by the SHA-256 of its cookie's handle. */
  signInPk: (digest: string) => `SIGNIN#${digest}`,
  signInSk: 'SIGNIN',
  /** A pending authorization request by the SHA-256 of its handle. */
  authRequestPk: (digest: string) => `AUTHREQ#${digest}`,
  authRequestSk: 'AUTHREQ',
  /** An authorization code by the SHA-256 of its value. */
  codePk: (digest: string) => `CODE#${digest}`,
  codeSk: 'CODE',
  /** A user's consents, one item per client. */
  consentPk: (userId: string) => `CONSENT#${userId}`,
  consentSk: (clientId: string) => `CLIENT#${clientId}`,
} as const;

/** Key schema shared by the local table and the CDK table (lib/), so the two cannot drift. */
export const tableSchema = {
  partitionKey: ATTR.pk,
  sortKey: ATTR.sk,
  gsi1: { name: GSI1, partitionKey: ATTR.gsi1pk, sortKey: ATTR.gsi1sk },
  ttlAttribute: ATTR.ttl,
} as const;
