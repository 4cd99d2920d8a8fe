/** `idp clients …`: register, list, show, change, enable/disable and delete clients. */
import { authMethod, flag, integer, jsonObject, required, str, trueOrFalse, ttl } from './args';
import type { Command } from './command';
import { IF_MATCH_OPTION, PAGE_OPTIONS, UsageError } from './command';
import { adminClient, listing } from './admin-access';
import { done, fields, print, printJson, printObject, printPage } from './output';

/** The `clients` group. */
export const clientCommands: Command[] = [
  {
    name: 'clients list',
    args: [],
    admin: true,
    summary: 'list clients, newest first (--oldest: oldest first)',
    options: {
      search: { type: 'string', short: 'q', value: 'TEXT', description: 'part of the name, or the exact id' },
      status: { type: 'string', value: 'enabled|disabled', description: 'only clients with this status' },
      oldest: { type: 'boolean', description: 'oldest first' },
      ...PAGE_OPTIONS,
    },
    async run(inv) {
      const query = {
        q: str(inv, 'search'),
        status: str(inv, 'status'),
        order: flag(inv, 'oldest') ? ('oldest' as const) : undefined,
        limit: integer(inv, 'limit'),
      };
      const admin = await adminClient(inv);
      const page = await listing(inv, (cursor) => admin.listClients({ ...query, cursor }));
      printPage(inv, page, ['CLIENT_ID', 'NAME', 'STATUS', 'AUTH_METHOD', 'CREATED'], (c) => [
        c.clientId,
        c.name,
        c.status,
        c.tokenEndpointAuthMethod,
        c.createdAt,
      ]);
    },
  },
  {
    name: 'clients get',
    args: ['CLIENT_ID'],
    admin: true,
    summary: 'show a client',
    options: {},
    async run(inv) {
      printObject(inv, await (await adminClient(inv)).getClient(inv.args[0]!));
    },
  },
  {
    name: 'clients create',
    args: [],
    admin: true,
    summary: 'register a client; its first secret is shown once',
    options: {
      name: { type: 'string', value: 'NAME', description: 'display name (required)' },
      description: { type: 'string', value: 'TEXT', description: 'description' },
      'auth-method': { type: 'string', value: 'basic|post', description: 'token endpoint auth method (default basic)' },
      ttl: { type: 'string', value: 'SECONDS', description: 'access-token lifetime' },
      external: { type: 'boolean', description: 'the client belongs to a partner' },
      'token-reuse': { type: 'boolean', description: 'hand out a still-valid token again for a repeated request' },
      metadata: { type: 'string', value: 'JSON', description: 'free-form JSON object' },
    },
    async run(inv) {
      const body: Record<string, unknown> = {
        name: required(inv, 'name'),
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: authMethod(str(inv, 'auth-method')) ?? 'client_secret_basic',
      };
      if (str(inv, 'description') !== undefined) body['description'] = str(inv, 'description');
      if (str(inv, 'ttl') !== undefined) body['accessTokenTtl'] = integer(inv, 'ttl');
      if (flag(inv, 'external')) body['external'] = true;
      if (flag(inv, 'token-reuse')) body['tokenReuse'] = true;
      const metadata = jsonObject(inv, 'metadata');
      if (metadata !== undefined) body['metadata'] = metadata;
      const created = await (await adminClient(inv)).createClient(body);
      if (inv.json) return printJson(inv, created);
      print(
        inv,
        [
          fields([
            ['client_id', created.client.clientId],
            ['client_secret', created.secret.value],
            ['secret_id', created.secret.id],
            ['name', created.client.name],
            ['auth_method', created.client.tokenEndpointAuthMethod],
          ]),
          '',
          'The secret is shown only now: store it. Grant scopes with `idp rules grant`, then:',
          `  ${created.curl}`,
        ].join('\n'),
      );
    },
  },
  {
    name: 'clients update',
    args: ['CLIENT_ID'],
    admin: true,
    summary: 'change a client',
    options: {
      name: { type: 'string', value: 'NAME', description: 'display name' },
      description: { type: 'string', value: 'TEXT', description: "description ('' removes it)" },
      'auth-method': { type: 'string', value: 'basic|post', description: 'token endpoint auth method' },
      ttl: { type: 'string', value: 'SECONDS|default', description: 'access-token lifetime' },
      external: { type: 'string', value: 'true|false', description: 'the client belongs to a partner' },
      'token-reuse': { type: 'string', value: 'true|false', description: 'token reuse' },
      metadata: { type: 'string', value: 'JSON', description: 'replace the metadata object' },
      'if-match': IF_MATCH_OPTION,
    },
    async run(inv) {
      const patch: Record<string, unknown> = {};
      if (str(inv, 'name') !== undefined) patch['name'] = str(inv, 'name');
      if (str(inv, 'description') !== undefined) patch['description'] = str(inv, 'description') || null;
      if (str(inv, 'auth-method') !== undefined) patch['tokenEndpointAuthMethod'] = authMethod(str(inv, 'auth-method'));
      if (str(inv, 'ttl') !== undefined) patch['accessTokenTtl'] = ttl(inv);
      for (const [option, field] of [
        ['external', 'external'],
        ['token-reuse', 'tokenReuse'],
      ] as const) {
        const value = trueOrFalse(inv, option);
        if (value !== undefined) patch[field] = value;
      }
      const metadata = jsonObject(inv, 'metadata');
      if (metadata !== undefined) patch['metadata'] = metadata;
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one option');
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      printObject(inv, await admin.updateClient(inv.args[0]!, patch, options));
    },
  },
  ...(['enable', 'disable'] as const).map((verb): Command => ({
    name: `clients ${verb}`,
    args: ['CLIENT_ID'],
    admin: true,
    summary: verb === 'enable' ? 'let a client get tokens again' : 'stop a client getting tokens, at once',
    options: { 'if-match': IF_MATCH_OPTION },
    async run(inv) {
      const status = verb === 'enable' ? 'enabled' : 'disabled';
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      const client = await admin.updateClient(inv.args[0]!, { status }, options);
      done(inv, `client ${client.clientId} ${client.status}`, client);
    },
  })),
  {
    name: 'clients delete',
    args: ['CLIENT_ID'],
    admin: true,
    summary: 'delete a client with its secrets and rules',
    options: { 'if-match': IF_MATCH_OPTION },
    async run(inv) {
      const clientId = inv.args[0]!;
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      await admin.deleteClient(clientId, options);
      done(inv, `client ${clientId} deleted`, { deleted: true, clientId });
    },
  },
];
