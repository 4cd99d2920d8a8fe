/** `idp apis …`: APIs (audiences) and the scopes they define — list, show, register, change, delete. */
import type { ScopeDefinitionView } from '../admin-views';
import { flag, integer, required, scopes, str, strs, trueOrFalse, ttl } from './args';
import type { Command, Invocation } from './command';
import { IF_MATCH_OPTION, PAGE_OPTIONS, UsageError, scopeOption } from './command';
import { adminClient, listing } from './admin-access';
import { done, printObject, printPage } from './output';

/** Scope definitions from `--scope` (values only) or `--scopes-json`; undefined when neither is given. */
function scopeDefinitions(inv: Invocation): ScopeDefinitionView[] | undefined {
  const fromJson = str(inv, 'scopes-json');
  const values = scopes(inv);
  if (fromJson !== undefined && values.length > 0) throw new UsageError('give --scope or --scopes-json, not both');
  if (fromJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromJson);
    } catch {
      throw new UsageError('--scopes-json must be JSON');
    }
    if (!Array.isArray(parsed)) throw new UsageError('--scopes-json must be a JSON array');
    return parsed as ScopeDefinitionView[];
  }
  return values.length > 0 ? values.map((value) => ({ value })) : undefined;
}

/** The `apis` group. */
export const apiCommands: Command[] = [
  {
    name: 'apis list',
    args: [],
    admin: true,
    summary: 'list APIs (audiences), newest first',
    options: { ...PAGE_OPTIONS },
    async run(inv) {
      const limit = integer(inv, 'limit');
      const admin = await adminClient(inv);
      const page = await listing(inv, (cursor) => admin.listApis({ limit, cursor }));
      printPage(inv, page, ['IDENTIFIER', 'NAME', 'SCOPES', 'TTL'], (a) => [
        a.identifier,
        a.name,
        a.scopes.map((s) => s.value),
        a.accessTokenTtl,
      ]);
    },
  },
  {
    name: 'apis get',
    args: ['IDENTIFIER'],
    admin: true,
    summary: 'show an API',
    options: {},
    async run(inv) {
      printObject(inv, await (await adminClient(inv)).getApi(inv.args[0]!));
    },
  },
  {
    name: 'apis create',
    args: ['IDENTIFIER'],
    admin: true,
    summary: 'register an API; IDENTIFIER (an absolute URI) becomes the aud of its tokens',
    options: {
      name: { type: 'string', value: 'NAME', description: 'display name (required)' },
      scope: scopeOption('space-delimited scopes'),
      'scopes-json': {
        type: 'string',
        value: 'JSON',
        description: 'scopes with descriptions: [{"value":"read","description":"..."}]',
      },
      ttl: { type: 'string', value: 'SECONDS', description: 'access-token lifetime' },
      'token-reuse': { type: 'boolean', description: 'hand out a still-valid token again for a repeated request' },
      introspector: {
        type: 'string',
        multiple: true,
        value: 'CLIENT_ID',
        description: 'a client that may introspect its tokens (RFC 7662); repeatable',
      },
    },
    async run(inv) {
      const body: Record<string, unknown> = {
        identifier: inv.args[0]!,
        name: required(inv, 'name'),
        scopes: scopeDefinitions(inv) ?? [],
      };
      if (str(inv, 'ttl') !== undefined) body['accessTokenTtl'] = integer(inv, 'ttl');
      if (flag(inv, 'token-reuse')) body['tokenReuse'] = true;
      if (strs(inv, 'introspector').length > 0) body['introspectors'] = strs(inv, 'introspector');
      printObject(inv, await (await adminClient(inv)).createApi(body));
    },
  },
  {
    name: 'apis update',
    args: ['IDENTIFIER'],
    admin: true,
    summary: 'change an API (--scope replaces the whole scope list)',
    options: {
      name: { type: 'string', value: 'NAME', description: 'display name' },
      scope: scopeOption('the new scopes'),
      'scopes-json': { type: 'string', value: 'JSON', description: 'the new scopes with descriptions' },
      ttl: { type: 'string', value: 'SECONDS|default', description: 'access-token lifetime' },
      'token-reuse': { type: 'string', value: 'true|false', description: 'token reuse' },
      introspector: {
        type: 'string',
        multiple: true,
        value: 'CLIENT_ID',
        description: 'the new list of clients that may introspect its tokens; repeatable',
      },
      'no-introspectors': { type: 'boolean', description: 'no client but the token’s own may introspect' },
      'if-match': IF_MATCH_OPTION,
    },
    async run(inv) {
      const patch: Record<string, unknown> = {};
      if (str(inv, 'name') !== undefined) patch['name'] = str(inv, 'name');
      const definitions = scopeDefinitions(inv);
      if (definitions !== undefined) patch['scopes'] = definitions;
      if (str(inv, 'ttl') !== undefined) patch['accessTokenTtl'] = ttl(inv);
      const reuse = trueOrFalse(inv, 'token-reuse');
      if (reuse !== undefined) patch['tokenReuse'] = reuse;
      if (strs(inv, 'introspector').length > 0) patch['introspectors'] = strs(inv, 'introspector');
      if (flag(inv, 'no-introspectors')) patch['introspectors'] = [];
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one option');
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      printObject(inv, await admin.updateApi(inv.args[0]!, patch, options));
    },
  },
  {
    name: 'apis delete',
    args: ['IDENTIFIER'],
    admin: true,
    summary: 'delete an API no rule refers to',
    options: { 'if-match': IF_MATCH_OPTION },
    async run(inv) {
      const identifier = inv.args[0]!;
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      await admin.deleteApi(identifier, options);
      done(inv, `API ${identifier} deleted`, { deleted: true, identifier });
    },
  },
];
