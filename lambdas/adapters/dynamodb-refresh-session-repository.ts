/**
 * Refresh-token sessions on DynamoDB (docs/data-model.md, Sessions).
 *
 * - The session: `pk = SESSION#<sessionId>`, `sk = SESSION`, GSI1 `USERSESSIONS#<userId>` /
 *   `<createdAt>#<sessionId>` (the admin listing, newest first), `ttl` at its absolute expiry.
 *   `consumedDigests` is a list of exactly {@link CONSUMED_DIGESTS_KEPT} slots (unused ones hold
 *   `-`), shifted by each rotation, so the item stays small however often it is refreshed.
 * - Its entry in the user's collection: `pk = USER#<userId>`, `sk = SESSION#<sessionId>`, written with
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
import type { RefreshSession, SessionRevocationReason } from '../domain/people/model';
import type {
  RefreshRotation,
  RefreshRotationInput,
  RefreshSessionRepository,
  SessionQuery,
} from '../domain/people/ports';
import type { Page } from '../domain/ports';
import { MAX_ACCESS_TOKEN_TTL } from '../domain/tokens/access-token';
import { dependencyUnavailable } from './aws-errors';
import type { Item } from './dynamodb-items';
import { epochSeconds, fromPeopleItem } from './dynamodb-people-items';
import { denySidItem } from './dynamodb-revocation-repository';
import { ATTR, GSI1, keys } from './dynamodb-table';
import { DynamoDbTableAccess, INDEX_KEY_ATTRS } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import type { TransactItem } from './dynamodb-transact-items';

/** An unused slot of `consumedDigests` (DynamoDB list elements cannot be absent in the middle). */
const EMPTY_SLOT = '-';

/** Writes per revoked session in a transaction: the session, its deny entry, its user entry. */
const WRITES_PER_REVOCATION = 3;

/** Sessions revoked per TransactWriteItems (≤ 100 writes, one kept for the caller's own). */
export const REVOCATIONS_PER_TRANSACTION = Math.floor(99 / WRITES_PER_REVOCATION);

export function sessionKey(sessionId: string): Item {
  return { [ATTR.pk]: keys.sessionPk(sessionId), [ATTR.sk]: keys.sessionSk };
}

export function sessionRefKey(userId: string, sessionId: string): Item {
  return { [ATTR.pk]: keys.userPk(userId), [ATTR.sk]: keys.sessionRefSk(sessionId) };
}

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

/** A live session's entry in its user's collection: what revoking them all needs. */
function sessionRefItem(session: RefreshSession): Item {
  return {
    ...sessionRefKey(session.userId, session.sessionId),
    [ATTR.type]: 'sessionref',
    sessionId: session.sessionId,
    clientId: session.clientId,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    [ATTR.ttl]: epochSeconds(session.expiresAt),
  };
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
  // The current token of an expired session; anything else is a digest this session never had (a
  // guessed secret beside a public sid is not a reuse: it must not revoke the session).
  if (session.currentDigest === input.presentedDigest) return { outcome: 'refused', session };
  return { outcome: 'unknown' };
}

/**
 * The writes that revoke a session: the session marked (on condition that it exists; a revocation
 * already there is kept), its `sid` denied until its expiry plus `denyMarginSeconds`, its user entry
 * deleted. Shared with the user repository, which revokes a user's sessions in the user's own
 * transaction.
 */
export function sessionRevocationItems(
  table: DynamoDbTableAccess,
  ref: { userId: string; sessionId: string; expiresAt: string },
  reason: SessionRevocationReason,
  at: string,
  denyMarginSeconds: number = MAX_ACCESS_TOKEN_TTL,
): TransactItem[] {
  return [
    {
      Update: {
        TableName: table.tableName,
        Key: sessionKey(ref.sessionId),
        UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at), #reason = if_not_exists(#reason, :reason)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#revokedAt': 'revokedAt', '#reason': 'revokedReason' },
        ExpressionAttributeValues: { ':at': at, ':reason': reason },
      },
    },
    table.items.put(denySidItem(ref.sessionId, epochSeconds(ref.expiresAt) + denyMarginSeconds)),
    table.items.delete(sessionRefKey(ref.userId, ref.sessionId)),
  ];
}

/**
 * The writes revoking the sessions of `refs`: an expired one (its item may be gone by TTL already)
 * only loses its user entry.
 */
export function revokeRefs(
  table: DynamoDbTableAccess,
  refs: readonly { userId: string; sessionId: string; expiresAt: string }[],
  reason: SessionRevocationReason,
  at: string,
  denyMarginSeconds?: number,
): TransactItem[] {
  return refs.flatMap((ref) =>
    ref.expiresAt > at
      ? sessionRevocationItems(table, ref, reason, at, denyMarginSeconds)
      : [table.items.delete(sessionRefKey(ref.userId, ref.sessionId))],
  );
}

/** The live-session entries of a user's collection (one strongly consistent Query). */
export async function userSessionRefs(
  table: DynamoDbTableAccess,
  userId: string,
): Promise<{ userId: string; sessionId: string; clientId: string; createdAt: string; expiresAt: string }[]> {
  const items = await table.queryAll({
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
    ExpressionAttributeValues: { ':pk': keys.userPk(userId), ':prefix': keys.sessionRefPrefix },
    ConsistentRead: true,
  });
  return items.map((item) => ({
    userId,
    sessionId: item['sessionId'] as string,
    clientId: item['clientId'] as string,
    createdAt: item['createdAt'] as string,
    expiresAt: item['expiresAt'] as string,
  }));
}

export class DynamoDbRefreshSessionRepository implements RefreshSessionRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** One TransactWriteItems: the session (if absent) and its user entry. */
  async createSession(session: RefreshSession): Promise<void> {
    await this.table.transact(
      [this.table.items.putIfAbsent(sessionItem(session)), this.table.items.put(sessionRefItem(session))],
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
    try {
      const out = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: sessionKey(sessionId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            'attribute_exists(#pk) AND #current = :presented AND #client = :client AND attribute_not_exists(#revokedAt)' +
            ' AND #expiresAt > :at AND (attribute_not_exists(#idle) OR #idle > :at)',
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
   * The user's live-session entries (one consistent Query), then their revocations in transactions of
   * {@link REVOCATIONS_PER_TRANSACTION}.
   */
  async revokeUserSessions(
    userId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds?: number,
  ): Promise<number> {
    const refs = await userSessionRefs(this.table, userId);
    for (let i = 0; i < refs.length; i += REVOCATIONS_PER_TRANSACTION) {
      const chunk = refs.slice(i, i + REVOCATIONS_PER_TRANSACTION);
      await this.table.transact(revokeRefs(this.table, chunk, reason, at, denyMarginSeconds), () => undefined);
    }
    return refs.filter((ref) => ref.expiresAt > at).length;
  }
}
