/** `idp rules …`: which scopes a client may get on which API — list, grant, revoke. */
import { jsonObject, required, scopes } from './args';
import type { Command } from './command';
import { UsageError, audienceOption, scopeOption } from './command';
import { adminClient } from './admin-access';
import { done, printPage } from './output';

/** The `rules` group. */
export const ruleCommands: Command[] = [
  {
    name: 'rules list',
    args: ['CLIENT_ID'],
    admin: true,
    summary: "list a client's rules (which scopes it may get on which API)",
    options: {},
    async run(inv) {
      const page = await (await adminClient(inv)).listRules(inv.args[0]!);
      printPage(inv, page, ['AUDIENCE', 'SCOPES', 'CLAIMS', 'CREATED'], (r) => [
        r.audience,
        r.scopes,
        r.claims,
        r.createdAt,
      ]);
    },
  },
  {
    name: 'rules grant',
    args: ['CLIENT_ID'],
    admin: true,
    summary: "grant scopes on an API (replaces the client's rule for that API)",
    options: {
      audience: audienceOption('the API identifier (required)'),
      scope: scopeOption('scopes (required)'),
      claims: { type: 'string', value: 'JSON', description: 'static claims added to the tokens' },
    },
    async run(inv) {
      const granted = scopes(inv);
      if (granted.length === 0) throw new UsageError('--scope is required');
      const claims = jsonObject(inv, 'claims');
      const body = {
        audience: required(inv, 'audience'),
        scopes: granted,
        ...(claims === undefined ? {} : { claims }),
      };
      const admin = await adminClient(inv);
      const rule = await admin.grantRule(inv.args[0]!, body);
      done(inv, `client ${inv.args[0]!} may get ${rule.scopes.join(' ')} on ${rule.audience}`, rule);
    },
  },
  {
    name: 'rules revoke',
    args: ['CLIENT_ID'],
    admin: true,
    summary: "delete the client's rule for an API",
    options: { audience: audienceOption('the API identifier (required)') },
    async run(inv) {
      const [clientId, audience] = [inv.args[0]!, required(inv, 'audience')];
      await (await adminClient(inv)).revokeRule(clientId, audience);
      done(inv, `rule of client ${clientId} on ${audience} deleted`, { deleted: true, clientId, audience });
    },
  },
];
