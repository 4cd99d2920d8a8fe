/**
 * Refresh-token sessions on DynamoDB (docs/data-model.md, Sessions).
 *
 * - The session: `pk = SESSION#<sessionId>`, `sk = SESSION`, GSI1 `USERSESSIONS#<userId>` /
 *   `<createdAt>#<sessionId>` (the admin listing, newest first), `ttl` at its absolute expiry.
 *   `consumedDigests` is a list of exactly {@link CONSUMED_DIGESTS_KEPT} slots (unused ones hold
 *   `-`), shifted by each rotation, so the item stays small however often it is refreshed.
 * - Its entry in the user's token entries: `pk = USERTOKENS#<userId>`, `sk = SESSION#<sessionId>`, written with
 *   the session and deleted with its revocation. Revoking all of a user's sessions reads these with a
 *   strongly consistent Query (an index read could miss a session created a moment before).
 * - A revocation puts `DENYSID#<sid>` (dynamodb-revocation-repository.ts) in the same transaction.
 *
 * Rotation is ONE conditional UpdateItem (RFC 9700 §4.14.2): `currentDigest = :presented` and the
 * session is the client's, not revoked and not expired; it moves the current digest to the head of
 * the consumed ones, sets the new one and `lastUsedAt`, `ReturnValues: ALL_NEW`. On a failed condition
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD` shows why; dynalite does not implement that
 * parameter, so without the old item one strongly consistent GetItem on that failure path does.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CONSUMED_DIGESTS_KEPT } from '../domain/people/model';
import { liveRefusal } from '../domain/people/refresh-tokens';
import type { RefreshSession, SessionRevocationReason } from '../domain/people/model';
import type {
  RefreshRotation,
  RefreshRotationInput,
  RefreshSessionRepository,
  SessionQuery,
} from '../domain/people/ports';
import type { Page } from '../domain/ports';
import { dependencyUnavailable } from './aws-errors';
import type { Item } from './dynamodb-items';
import type { AuditEvent } from '../domain/admin/audit';
import { epochSeconds, fromPeopleItem } from './dynamodb-people-items';
import { ATTR, GSI1, keys } from './dynamodb-table';
import { conflictAsFalse, DynamoDbTableAccess, INDEX_KEY_ATTRS } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import {
  revokeUserTokens,
  sessionKey,
  sessionRevocationItems,
  userEnabledCheck,
  userTokenRefItem,
  userTokenRefs,
} from './dynamodb-user-revocation';

export { sessionKey } from './dynamodb-user-revocation';

/** An unused slot of `consumedDigests` (DynamoDB list elements cannot be absent in the middle). */
const EMPTY_SLOT = '-';

/** The session's item: its attributes, keys, index keys, the padded consumed list and a cleanup `ttl`. */
export function sessionItem(session: RefreshSession): Item {
  const consumed = session.consumedDigests.slice(0, CONSUMED_DIGESTS_KEPT);
  while (consumed.length < CONSUMED_DIGESTS_KEPT) consumed.push(EMPTY_SLOT);
  return {
    ...session,
    consumedDigests: consumed,
    ...sessionKey(session.sessionId),
    [ATTR.type]: 'session',
    [ATTR.gsi1pk]: keys.userSessionsIndexPk(session.userId),
    [ATTR.gsi1sk]: keys.createdIndexSk(session.createdAt, session.sessionId),
    [ATTR.ttl]: epochSeconds(session.expiresAt),
  };
}

/** The session from its item, storage attributes and empty slots stripped. */
export function sessionFromItem(item: Item): RefreshSession {
  const session = fromPeopleItem<RefreshSession>(item);
  return { ...session, consumedDigests: (session.consumedDigests ?? []).filter((d) => d !== EMPTY_SLOT) };
}

/** A value in DynamoDB's wire format (the old item a failed condition returns) as a plain value. */
function fromAttribute(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.M !== undefined) return fromAttributes(value.M);
  if (value.SS !== undefined) return value.SS;
  return undefined;
}

function fromAttributes(item: Record<string, AttributeValue>): Item {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, fromAttribute(value)]));
}

/** Why a presented digest did not rotate `session` (the old image of the failed condition). */
export function classifyFailedRotation(session: RefreshSession, input: RefreshRotationInput): RefreshRotation {
  if (session.clientId !== input.clientId || session.revokedAt !== undefined) return { outcome: 'refused', session };
  if (session.consumedDigests.includes(input.presentedDigest)) return { outcome: 'reused', session };
  // A digest this session never had (a guessed secret beside a public sid) is no reuse: it must not
  // revoke the session. The current token failed on expiry, or on a scope beyond the session's.
  if (session.currentDigest !== input.presentedDigest) return { outcome: 'unknown' };
  const live =
    session.expiresAt > input.at && (session.idleExpiresAt === undefined || session.idleExpiresAt > input.at);
  return { outcome: live ? liveRefusal(session, input) : 'refused', session };
}

export class DynamoDbRefreshSessionRepository implements RefreshSessionRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /**
   * One TransactWriteItems: the session (if absent), its user entry, and a ConditionCheck that the user
   * is enabled (dynamodb-user-revocation.ts: a user disabled meanwhile gets no session).
   * @throws ConflictError when the id is taken or the user is not (or no longer) enabled
   */
  async createSession(session: RefreshSession): Promise<void> {
    const ref = { kind: 'session' as const, id: session.sessionId, ...session };
    await this.table.transact(
      [
        this.table.items.putIfAbsent(sessionItem(session)),
        this.table.items.put(userTokenRefItem(ref)),
        userEnabledCheck(this.table, session.userId),
      ],
      () => undefined,
    );
  }

  /** One strongly consistent GetItem. */
  async findSession(sessionId: string): Promise<RefreshSession | undefined> {
    const item = await this.table.get(sessionKey(sessionId));
    return item === undefined ? undefined : sessionFromItem(item);
  }

  /** ONE conditional UpdateItem; see the module comment. */
  async rotate(sessionId: string, input: RefreshRotationInput): Promise<RefreshRotation> {
    const names: Record<string, string> = {
      '#pk': ATTR.pk,
      '#current': 'currentDigest',
      '#consumed': 'consumedDigests',
      '#client': 'clientId',
      '#revokedAt': 'revokedAt',
      '#expiresAt': 'expiresAt',
      '#idle': 'idleExpiresAt',
      '#lastUsedAt': 'lastUsedAt',
    };
    const values: Record<string, unknown> = {
      ':presented': input.presentedDigest,
      ':next': input.nextDigest,
      ':client': input.clientId,
      ':at': input.at,
    };
    // Every right-hand side is read from the item as it was before this write, so the shift is exact.
    const sets = ['#current = :next', '#lastUsedAt = :at', '#consumed[0] = #current'];
    for (let i = CONSUMED_DIGESTS_KEPT - 1; i > 0; i -= 1) sets.push(`#consumed[${i}] = #consumed[${i - 1}]`);
    if (input.idleExpiresAt !== undefined) {
      sets.push('#idle = :idle');
      values[':idle'] = input.idleExpiresAt;
    }
    // A narrower scope: each requested token must be an element of the session's `scopes` list.
    const scopeChecks = (input.requiredScopes ?? []).map((scope, i) => {
      values[`:scope${i}`] = scope;
      return ` AND contains(#scopes, :scope${i})`;
    });
    if (scopeChecks.length > 0) names['#scopes'] = 'scopes';
    // A resource named on refresh (RFC 8707 §2.2) must be the session's: checked here, so a wrong one
    // consumes nothing.
    if (input.requiredAudience !== undefined) {
      names['#audience'] = 'audience';
      values[':audience'] = input.requiredAudience;
      scopeChecks.push(' AND #audience = :audience');
    }
    try {
      const out = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: sessionKey(sessionId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            'attribute_exists(#pk) AND #current = :presented AND #client = :client AND attribute_not_exists(#revokedAt)' +
            ' AND #expiresAt > :at AND (attribute_not_exists(#idle) OR #idle > :at)' +
            scopeChecks.join(''),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'rotated', session: sessionFromItem(out.Attributes ?? {}) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw dependencyUnavailable('store', err);
      // No old image (dynalite): the failure path alone pays one consistent read.
      const old = err.Item !== undefined ? fromAttributes(err.Item) : await this.table.get(sessionKey(sessionId));
      if (old === undefined || old[ATTR.pk] === undefined) return { outcome: 'unknown' };
      return classifyFailedRotation(sessionFromItem(old), input);
    }
  }

  /** A consistent GetItem, then one TransactWriteItems of {@link sessionRevocationItems}. */
  async revokeSession(
    sessionId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds?: number,
  ): Promise<boolean> {
    const session = await this.findSession(sessionId);
    if (session === undefined || session.revokedAt !== undefined) return false;
    await this.table.transact(
      sessionRevocationItems(this.table, session, reason, at, denyMarginSeconds),
      () => undefined,
    );
    return true;
  }

  /** One consistent Query of the user's entries, then one transaction revoking the surplus (if any). */
  async limitUserSessions(userId: string, clientId: string, keep: number, at: string): Promise<number> {
    const live = (await userTokenRefs(this.table, userId))
      .filter((ref) => ref.kind === 'session' && ref.clientId === clientId && ref.expiresAt > at)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const surplus = live.slice(Math.max(keep, 0));
    for (let i = 0; i < surplus.length; i += 33) {
      const items = surplus
        .slice(i, i + 33)
        .flatMap((ref) => sessionRevocationItems(this.table, { ...ref, sessionId: ref.id }, 'session-limit', at));
      await this.table.transact(items, () => undefined);
    }
    return surplus.length;
  }

  /** One PutItem on condition that no session has this id. */
  async refuseSession(sessionId: string, at: string): Promise<boolean> {
    const marker = {
      ...sessionKey(sessionId),
      [ATTR.type]: 'session',
      sessionId,
      revokedAt: at,
      revokedReason: 'refresh-token-reuse',
      [ATTR.ttl]: epochSeconds(at) + 86_400,
    };
    return this.table
      .transact([this.table.items.putIfAbsent(marker)], () => undefined)
      .then(() => true, conflictAsFalse);
  }

  /** One page of the user's index partition, newest first (optionally one client's). */
  async listUserSessions(userId: string, page: SessionQuery): Promise<Page<RefreshSession>> {
    const names: Record<string, string> = { '#gpk': ATTR.gsi1pk };
    const values: Record<string, unknown> = { ':gpk': keys.userSessionsIndexPk(userId) };
    if (page.clientId !== undefined) {
      names['#client'] = 'clientId';
      values[':client'] = page.clientId;
    }
    return this.table.queryPage(
      {
        IndexName: GSI1,
        KeyConditionExpression: '#gpk = :gpk',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(page.clientId === undefined ? {} : { FilterExpression: '#client = :client' }),
      },
      page,
      INDEX_KEY_ATTRS,
      sessionFromItem,
    );
  }

  /**
   * Every live session (and pending code) of the user, from its entries in the user's token entries (`USERTOKENS#<userId>`), in
   * the audit event's transaction (dynamodb-user-revocation.ts).
   */
  async revokeUserSessions(
    userId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds?: number,
    audit?: AuditEvent,
  ): Promise<number> {
    return revokeUserTokens(
      this.table,
      userId,
      reason,
      at,
      this.table.items.audit(audit),
      undefined,
      denyMarginSeconds,
    );
  }
}
