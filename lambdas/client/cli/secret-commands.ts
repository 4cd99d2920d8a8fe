/** `idp secrets …`: a client's secrets — list (never values), add (shown once), revoke. */
import { durationMs, parseDate, str } from './args';
import type { Command } from './command';
import { UsageError } from './command';
import { adminClient } from './admin-access';
import { done, fields, print, printJson, printPage } from './output';

/** The `secrets` group. */
export const secretCommands: Command[] = [
  {
    name: 'secrets list',
    args: ['CLIENT_ID'],
    admin: true,
    summary: "list a client's secrets (never their values)",
    options: {},
    async run(inv) {
      const page = await (await adminClient(inv)).listSecrets(inv.args[0]!);
      printPage(inv, page, ['SECRET_ID', 'STATUS', 'CREATED', 'EXPIRES', 'LAST_USED'], (s) => [
        s.id,
        s.status,
        s.createdAt,
        s.expiresAt,
        s.lastUsedAt,
      ]);
    },
  },
  {
    name: 'secrets add',
    args: ['CLIENT_ID'],
    admin: true,
    summary: 'add a secret (rotation: add, deploy it, then revoke the old one); shown once',
    options: {
      'expires-at': { type: 'string', value: 'DATE', description: 'ISO 8601 expiry' },
      'expires-in': { type: 'string', value: 'DURATION', description: 'expiry from now, e.g. 90d, 12h' },
    },
    async run(inv) {
      const body: { expiresAt?: string } = {};
      const expiresIn = str(inv, 'expires-in');
      if (expiresIn !== undefined && str(inv, 'expires-at') !== undefined) {
        throw new UsageError('give --expires-at or --expires-in, not both');
      }
      if (expiresIn !== undefined) {
        const ms = durationMs(expiresIn);
        if (ms === undefined) throw new UsageError('--expires-in must be a duration such as 90d or 12h');
        body.expiresAt = new Date(Date.now() + ms).toISOString();
      }
      const expiresAt = str(inv, 'expires-at');
      if (expiresAt !== undefined) body.expiresAt = parseDate(expiresAt, 'expires-at');
      const secret = await (await adminClient(inv)).addSecret(inv.args[0]!, body);
      if (inv.json) return printJson(inv, secret);
      print(
        inv,
        [
          fields([
            ['secret_id', secret.id],
            ['client_secret', secret.value],
            ['expires', secret.expiresAt],
          ]),
          '',
          'The secret is shown only now: store it.',
        ].join('\n'),
      );
    },
  },
  {
    name: 'secrets revoke',
    args: ['CLIENT_ID', 'SECRET_ID'],
    admin: true,
    summary: 'revoke a secret; it stops working at once',
    options: {},
    async run(inv) {
      const [clientId, secretId] = inv.args as [string, string];
      await (await adminClient(inv)).revokeSecret(clientId, secretId);
      done(inv, `secret ${secretId} of client ${clientId} revoked`, { revoked: true, clientId, secretId });
    },
  },
];
