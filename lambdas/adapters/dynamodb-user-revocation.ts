/**
 * Revoking everything a user holds on the token path — refresh-token sessions and codes not redeemed
 * yet — in the transaction of the change that calls for it (docs/data-model.md, Sessions › Revoking a
 * user's sessions): disabling or deleting the user, a new password, an administrator's revoke-all.
 *
 * Both kinds have an entry in the partition `USERTOKENS#<userId>` (`SESSION#<sessionId>`,
 * `CODE#<digest>`; apart from the user's own `USER#` collection, so that the token function, which
 * writes session entries, has no write permission on users), written in their own creation's transaction together with a ConditionCheck that
 * the user is enabled ({@link userEnabledCheck}). So:
 * 1. one strongly consistent Query of that partition lists every entry committed so far (an index read
 *    could miss one created a moment before);
 * 2. the caller's own writes (the user disabled, say) and the revocations go into ONE
 *    TransactWriteItems, as many as fit (≤ 100 writes; the rest follow in further transactions);
 * 3. the partition is read again and what was created between 1 and 2 is revoked too: once the user is
 *    disabled no new entry can be committed (the ConditionCheck fails), so after this nothing is left.
 * A refresh or exchange needs no read of the user for any of this: the session and the code carry the
 * revocation themselves (their conditional writes require `attribute_not_exists(revokedAt)`).
 */
import type { SessionRevocationReason } from '../domain/people/model';
import { MAX_ACCESS_TOKEN_TTL } from '../domain/tokens/access-token';
import type { Item } from './dynamodb-items';
import { epochSeconds } from './dynamodb-people-items';
import { denySidItem } from './dynamodb-revocation-repository';
import { ATTR, keys } from './dynamodb-table';
import type { ConflictExplainer, DynamoDbTableAccess } from './dynamodb-table-access';
import { MAX_TRANSACT_ITEMS } from './dynamodb-transact-items';
import type { TransactItem } from './dynamodb-transact-items';

/** An entry of the user's token entries (`USERTOKENS#<userId>`) naming a live session or a pending code. */
export interface UserTokenRef {
  kind: 'session' | 'code';
  userId: string;
  /** The session id, or the code's digest. */
  id: string;
  clientId: string;
  createdAt: string;
  expiresAt: string;
}

export function sessionKey(sessionId: string): Item {
  return { [ATTR.pk]: keys.sessionPk(sessionId), [ATTR.sk]: keys.sessionSk };
}

function refKey(ref: Pick<UserTokenRef, 'kind' | 'userId' | 'id'>): Item {
  return {
    [ATTR.pk]: keys.userTokensPk(ref.userId),
    [ATTR.sk]: ref.kind === 'session' ? keys.sessionRefSk(ref.id) : keys.codeRefSk(ref.id),
  };
}

/** The entry of a session or code in its user's token entries (with a cleanup `ttl` at its expiry). */
export function userTokenRefItem(ref: UserTokenRef): Item {
  return {
    ...refKey(ref),
    [ATTR.type]: ref.kind === 'session' ? 'sessionref' : 'coderef',
    [ref.kind === 'session' ? 'sessionId' : 'digest']: ref.id,
    clientId: ref.clientId,
    createdAt: ref.createdAt,
    expiresAt: ref.expiresAt,
    [ATTR.ttl]: epochSeconds(ref.expiresAt),
  };
}

/** The ConditionCheck that the user exists and is enabled, for the creation of a session or code. */
export function userEnabledCheck(table: DynamoDbTableAccess, userId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: table.tableName,
      Key: { [ATTR.pk]: keys.userPk(userId), [ATTR.sk]: keys.userSk },
      ConditionExpression: '#status = :enabled',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':enabled': 'enabled' },
    },
  };
}

/** The user's entries (one strongly consistent Query of `USERTOKENS#<userId>`, all pages). */
export async function userTokenRefs(table: DynamoDbTableAccess, userId: string): Promise<UserTokenRef[]> {
  const items = await table.queryAll({
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': ATTR.pk },
    ExpressionAttributeValues: { ':pk': keys.userTokensPk(userId) },
    ConsistentRead: true,
  });
  const refs: UserTokenRef[] = [];
  for (const item of items) {
    const type = item[ATTR.type];
    if (type !== 'sessionref' && type !== 'coderef') continue;
    refs.push({
      kind: type === 'sessionref' ? 'session' : 'code',
      userId,
      id: (type === 'sessionref' ? item['sessionId'] : item['digest']) as string,
      clientId: item['clientId'] as string,
      createdAt: item['createdAt'] as string,
      expiresAt: item['expiresAt'] as string,
    });
  }
  return refs;
}

/**
 * The writes that revoke a session: the session marked (on condition that it exists; a revocation
 * already there is kept), its `sid` denied until its expiry plus `denyMarginSeconds` (the longest
 * access-token lifetime), its user entry deleted.
 */
export function sessionRevocationItems(
  table: DynamoDbTableAccess,
  session: { userId: string; sessionId: string; expiresAt: string },
  reason: SessionRevocationReason,
  at: string,
  denyMarginSeconds: number = MAX_ACCESS_TOKEN_TTL,
): TransactItem[] {
  return [
    {
      Update: {
        TableName: table.tableName,
        Key: sessionKey(session.sessionId),
        UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at), #reason = if_not_exists(#reason, :reason)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#revokedAt': 'revokedAt', '#reason': 'revokedReason' },
        ExpressionAttributeValues: { ':at': at, ':reason': reason },
      },
    },
    table.items.put(denySidItem(session.sessionId, epochSeconds(session.expiresAt) + denyMarginSeconds)),
    table.items.delete(refKey({ kind: 'session', userId: session.userId, id: session.sessionId })),
  ];
}

/**
 * The writes that revoke what `ref` names. An expired one only loses its entry (its item may be gone
 * by TTL already, and it is refused anyway); a code gets `revokedAt` (kept when set), so its
 * redemption's condition fails.
 */
export function refRevocationItems(
  table: DynamoDbTableAccess,
  ref: UserTokenRef,
  reason: SessionRevocationReason,
  at: string,
  denyMarginSeconds?: number,
): TransactItem[] {
  if (ref.expiresAt <= at) return [table.items.delete(refKey(ref))];
  if (ref.kind === 'session') {
    return sessionRevocationItems(table, { ...ref, sessionId: ref.id }, reason, at, denyMarginSeconds);
  }
  return [
    {
      Update: {
        TableName: table.tableName,
        Key: { [ATTR.pk]: keys.codePk(ref.id), [ATTR.sk]: keys.codeSk },
        UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#revokedAt': 'revokedAt' },
        ExpressionAttributeValues: { ':at': at },
      },
    },
    table.items.delete(refKey(ref)),
  ];
}

/** Groups of writes packed into transactions of at most 100 writes, the first one after `own`. */
function pack(own: TransactItem[], groups: TransactItem[][]): TransactItem[][] {
  const batches: TransactItem[][] = [[...own]];
  for (const group of groups) {
    const last = batches[batches.length - 1] as TransactItem[];
    if (last.length + group.length <= MAX_TRANSACT_ITEMS) last.push(...group);
    else batches.push([...group]);
  }
  return batches;
}

/**
 * Revokes every live session and pending code of the user, the first of them in the same
 * TransactWriteItems as `own` (the caller's writes, conditions included: when they fail, nothing is
 * revoked and `explain` names the conflict); see the module comment for the steps. Answers how many
 * live sessions were revoked.
 */
export async function revokeUserTokens(
  table: DynamoDbTableAccess,
  userId: string,
  reason: SessionRevocationReason,
  at: string,
  own: TransactItem[] = [],
  explain?: ConflictExplainer,
  denyMarginSeconds?: number,
): Promise<number> {
  const refs = await userTokenRefs(table, userId);
  const groups = (list: UserTokenRef[]) =>
    list.map((ref) => refRevocationItems(table, ref, reason, at, denyMarginSeconds));
  const [first, ...rest] = pack(own, groups(refs));
  if (first !== undefined && first.length > 0) await table.transact(first, explain ?? (() => undefined));
  for (const batch of rest) await table.transact(batch, () => undefined);
  // Step 3: entries committed between the read and the write above.
  const seen = new Set(refs.map((ref) => `${ref.kind} ${ref.id}`));
  const late = (await userTokenRefs(table, userId)).filter((ref) => !seen.has(`${ref.kind} ${ref.id}`));
  for (const batch of pack([], groups(late))) if (batch.length > 0) await table.transact(batch, () => undefined);
  const live = (ref: UserTokenRef) => ref.kind === 'session' && ref.expiresAt > at;
  return refs.filter(live).length + late.filter(live).length;
}
