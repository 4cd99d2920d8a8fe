/** `idp audit list`: the audit trail of admin changes, newest first. */
import { integer, parseSince, str } from './args';
import type { Command } from './command';
import { PAGE_OPTIONS } from './command';
import { adminClient, listing } from './admin-access';
import { printPage } from './output';

/** The `audit` group. */
export const auditCommands: Command[] = [
  {
    name: 'audit list',
    args: [],
    admin: true,
    summary: 'read the audit trail, newest first',
    options: {
      since: { type: 'string', value: 'WHEN', description: 'events since a duration ago (30m, 2h, 7d) or a date' },
      until: { type: 'string', value: 'WHEN', description: 'events before a duration ago or a date' },
      actor: {
        type: 'string',
        value: 'CLIENT_ID',
        description: "changes made with this client's tokens (its own, or people's through it)",
      },
      'actor-user': { type: 'string', value: 'USER_ID', description: 'changes made by this person' },
      action: { type: 'string', value: 'ACTION', description: 'e.g. client.create, secret.revoke, rule.put' },
      'target-type': { type: 'string', value: 'TYPE', description: 'api, client, secret, rule, user or grant' },
      'target-id': {
        type: 'string',
        value: 'ID',
        description: "a target's id (a client id includes its secrets, a user id its grants)",
      },
      ...PAGE_OPTIONS,
    },
    async run(inv) {
      const now = Date.now();
      const since = str(inv, 'since');
      const until = str(inv, 'until');
      const query = {
        from: since === undefined ? undefined : parseSince(since, now),
        to: until === undefined ? undefined : parseSince(until, now, 'until'),
        actor: str(inv, 'actor'),
        actorUserId: str(inv, 'actor-user'),
        action: str(inv, 'action'),
        targetType: str(inv, 'target-type'),
        targetId: str(inv, 'target-id'),
        limit: integer(inv, 'limit'),
      };
      const admin = await adminClient(inv);
      const page = await listing(inv, (cursor) => admin.listAudit({ ...query, cursor }));
      printPage(inv, page, ['AT', 'ACTOR', 'ACTION', 'TARGET', 'CHANGED'], (e) => [
        e.at,
        // A person through a client: `ada (idp-cli)`.
        e.actor.userId === undefined ? e.actor.clientId : `${e.actor.username ?? e.actor.userId} (${e.actor.clientId})`,
        e.action,
        `${e.target.type} ${e.target.id}`,
        Object.keys(e.diff),
      ]);
    },
  },
];
