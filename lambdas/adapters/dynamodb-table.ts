/**
 * The single-table layout (docs/data-model.md, Items). One table, keys `pk`/`sk`, one GSI `gsi1` for listing.
 *
 * | item      | pk                     | sk                    | gsi1pk             | gsi1sk                     |
 * |-----------|------------------------|-----------------------|--------------------|----------------------------|
 * | client    | `CLIENT#<clientId>`    | `CLIENT`              | `CLIENTS`          | `<createdAt>#<clientId>`   |
 * | secret    | `CLIENT#<clientId>`    | `SECRET#<secretId>`   |                    |                            |
 * | rule      | `CLIENT#<clientId>`    | `RULE#<audience>`     | `RULES#<audience>` | `CLIENT#<clientId>`        |
 * | user rule | `CLIENT#<clientId>`    | `USERRULE#<audience>` | `RULES#<audience>` | `CLIENT#<clientId>`        |
 * | api       | `API#<identifier>`     | `API`                 | `APIS`             | `<createdAt>#<identifier>` |
 * | audit     | `AUDIT`                | `<at>#<eventId>`      |                    |                            |
 * | user      | `USER#<userId>`        | `USER`                | `USERS`            | `<createdAt>#<userId>`     |
 * | username  | `USERNAME#<lowercase>` | `USERNAME`            |                    |                            |
 * | grant     | `USER#<userId>`        | `GRANT#<audience>`    |                    |                            |
 * | setup     | `SETUP#<digest>`       | `SETUP`               |                    |                            |
 * | signin    | `SIGNIN#<digest>`      | `SIGNIN`              |                    |                            |
 * | authreq   | `AUTHREQ#<digest>`     | `AUTHREQ`             |                    |                            |
 * | consent   | `CONSENT#<userId>`     | `CLIENT#<clientId>`   |                    |                            |
 * | code      | `CODE#<digest>`        | `CODE`                |                    |                            |
 * | deny      | `DENY#<jti>`           | `DENY`                |                    |                            |
 *
 * The token endpoint reads a client, its secrets and its rules with one strongly consistent Query of
 * `pk = CLIENT#<clientId>`. Rules are indexed by audience so API changes reach them. A client rule keeps
 * the sort key it always had; a user rule (`subjectType: "user"`) has its own, so a client may hold
 * both for one API; both are `type: "rule"` and in the same index partition. `ttl` (epoch seconds)
 * expires audit items where the stage says so, password setups, sign-in sessions, pending
 * authorization requests, codes and deny-list entries (cleanup only: their expiry is checked in code).
 * Every mutable item carries `version`. A user and its grants are one item collection
 * (`USER#<userId>`), read with one strongly consistent Query; the username item makes usernames
 * unique in any case.
 */

export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  ttl: 'ttl',
  type: 'type',
  version: 'version',
  /**
   * On an API item: bumped (`ADD 1`) by every rule put on the API, in the rule's own transaction;
   * absent until the first. A deletion conditions on the value it read (docs/data-model.md, Transactions).
   */
  rulesVersion: 'rulesVersion',
} as const;

export const GSI1 = 'gsi1';

export type ItemType =
  | 'client'
  | 'secret'
  | 'rule'
  | 'api'
  | 'audit'
  | 'user'
  | 'username'
  | 'grant'
  | 'setup'
  | 'signin'
  | 'authreq'
  | 'consent'
  | 'code'
  | 'deny'
  | 'signkey';

export const keys = {
  clientPk: (clientId: string) => `CLIENT#${clientId}`,
  clientSk: 'CLIENT',
  secretSk: (secretId: string) => `SECRET#${secretId}`,
  ruleSk: (audience: string) => `RULE#${audience}`,
  userRuleSk: (audience: string) => `USERRULE#${audience}`,
  apiPk: (identifier: string) => `API#${identifier}`,
  apiSk: 'API',
  auditPk: 'AUDIT',
  auditSk: (at: string, eventId: string) => `${at}#${eventId}`,
  clientsIndexPk: 'CLIENTS',
  apisIndexPk: 'APIS',
  rulesIndexPk: (audience: string) => `RULES#${audience}`,
  createdIndexSk: (createdAt: string, id: string) => `${createdAt}#${id}`,
  userPk: (userId: string) => `USER#${userId}`,
  userSk: 'USER',
  usersIndexPk: 'USERS',
  /** The uniqueness item of a username, lower-cased (unique in any case). */
  usernamePk: (username: string) => `USERNAME#${username.toLowerCase()}`,
  usernameSk: 'USERNAME',
  grantSk: (audience: string) => `GRANT#${audience}`,
  setupPk: (digest: string) => `SETUP#${digest}`,
  setupSk: 'SETUP',
  /** An authorization code by the SHA-256 of its value (docs/data-model.md, Authorization codes). */
  codePk: (digest: string) => `CODE#${digest}`,
  codeSk: 'CODE',
  /** A revoked access token's `jti` on the deny-list. */
  denyPk: (jti: string) => `DENY#${jti}`,
  denySk: 'DENY',
  /** A browser sign-in session by the SHA-256 of its cookie's handle. */
  signInPk: (digest: string) => `SIGNIN#${digest}`,
  signInSk: 'SIGNIN',
  /** A pending authorization request by the SHA-256 of its handle. */
  authRequestPk: (digest: string) => `AUTHREQ#${digest}`,
  authRequestSk: 'AUTHREQ',
  /** A user's consents, one item per client. */
  consentPk: (userId: string) => `CONSENT#${userId}`,
  consentSk: (clientId: string) => `CLIENT#${clientId}`,
  /** A signing key of the envelope mode, wrapped under the stage's KMS key (docs/data-model.md, Signing keys). */
  signingKeyPk: (keyId: string) => `SIGNKEY#${keyId}`,
  signingKeySk: 'SIGNKEY',
} as const;

/** Key schema shared by the local table and the CDK table (lib/), so the two cannot drift. */
export const tableSchema = {
  partitionKey: ATTR.pk,
  sortKey: ATTR.sk,
  gsi1: { name: GSI1, partitionKey: ATTR.gsi1pk, sortKey: ATTR.gsi1sk },
  ttlAttribute: ATTR.ttl,
} as const;
