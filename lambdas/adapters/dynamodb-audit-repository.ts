/**
 * The audit trail on DynamoDB (docs/data-model.md): one partition `AUDIT`, sort key `<at>#<eventId>`,
 * expired by DynamoDB TTL where the stage says so. Events are written by the other repositories, in
 * the transaction of the change they record (TransactItems.audit); this repository reads them.
 */
import type { AuditEvent } from '../domain/admin/audit';
import type { AuditQuery, AuditRepository, Page } from '../domain/ports';
import { auditFromItem } from './dynamodb-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess, TABLE_KEY_ATTRS } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

export class DynamoDbAuditRepository implements AuditRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  async listAudit(query: AuditQuery): Promise<Page<AuditEvent>> {
    const names: Record<string, string> = { '#pk': ATTR.pk };
    const values: Record<string, unknown> = { ':pk': keys.auditPk };
    let keyCondition = '#pk = :pk';
    // The sort key is `<at>#<eventId>`, so a time window is a key condition, not a filter: `sk >= from`
    // holds exactly for events at or after `from`, `sk < to` exactly for events before `to`.
    if (query.from !== undefined || query.to !== undefined) {
      names['#sk'] = ATTR.sk;
      if (query.from !== undefined) values[':from'] = query.from;
      if (query.to !== undefined) values[':to'] = query.to;
      keyCondition +=
        query.from === undefined
          ? ' AND #sk < :to'
          : query.to === undefined
            ? ' AND #sk >= :from'
            : ' AND #sk BETWEEN :from AND :to';
    }
    const filters: string[] = [];
    const equal = (attr: string, value: string | undefined) => {
      if (value === undefined) return;
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      filters.push(`#${attr} = :${attr}`);
    };
    equal('actor', query.actor);
    equal('actorUserId', query.actorUserId);
    equal('action', query.action);
    equal('targetType', query.targetType);
    if (query.targetId !== undefined) {
      names['#targetId'] = 'targetId';
      names['#clientId'] = 'clientId';
      names['#userId'] = 'userId';
      values[':targetId'] = query.targetId;
      filters.push('(#targetId = :targetId OR #clientId = :targetId OR #userId = :targetId)');
    }
    return this.table.queryPage(
      {
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      },
      query,
      TABLE_KEY_ATTRS,
      auditFromItem,
      (startKey) => {
        const sk = String(startKey[ATTR.sk]);
        return (query.from === undefined || sk >= query.from) && (query.to === undefined || sk < query.to);
      },
    );
  }
}
