/**
 * The `idp` command line: tokens (`token`), inspection (`decode`, `verify`) and the admin API
 * (`clients`, `secrets`, `apis`, `rules`, `audit`). Arguments are parsed with `node:util` `parseArgs`.
 *
 * Exit codes: 0 success; 1 an API, token-endpoint, network or verification error; 2 a usage error
 * (unknown command or option, missing argument or credentials). Errors go to stderr as
 * `error: <title>: <detail>`; results to stdout as aligned text, or JSON with `--json`.
 *
 * `runCli` takes its environment and streams as arguments so tests can run it in-process; `bin/idp.ts`
 * calls it with the process's.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AccessTokenVerifier } from '../adapters/access-token-verifier';
import { InvalidAccessTokenError } from '../domain/bearer-authorization';
import { AdminApiError, AdminClient } from './admin-client';
import type { Page } from './admin-client';
import type { ClientAuthMethod } from './token-client';
import { TokenClient, TokenClientError, TokenEndpointError, metadataUrl } from './token-client';

/** What the CLI reads and writes; the process's in `bin/idp.ts`. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** All of standard input. */
  readStdin: () => Promise<string>;
  /** Injectable `fetch` (tests); default the global one. */
  fetch?: typeof fetch;
}

export const DEFAULT_ISSUER = 'http://localhost:3000';

/** A usage error: exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure reported as `error: <message>` with exit code 1. */
class CliFailure extends Error {}

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder in help, e.g. `URL`. */
  value?: string;
  description: string;
}

interface Invocation {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  args: string[];
  io: CliIo;
  json: boolean;
}

interface Command {
  /** e.g. `clients list`. */
  name: string;
  /** Positional arguments in help, e.g. `CLIENT_ID`; `?` suffix = optional. */
  args: string[];
  summary: string;
  options: Record<string, OptionSpec>;
  /** Uses the admin API (adds --issuer). */
  admin?: boolean;
  /** Extra help text. */
  details?: string;
  run(inv: Invocation): Promise<void>;
}

// ---------------------------------------------------------------- shared options

const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print JSON instead of text' };
const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };
const ISSUER_OPTION: OptionSpec = {
  type: 'string',
  value: 'URL',
  description: `the issuer (default: $IDP_ISSUER, else ${DEFAULT_ISSUER})`,
};
const IF_MATCH_OPTION: OptionSpec = {
  type: 'string',
  value: 'VERSION',
  description: 'only if the resource is still at this version (If-Match; 412 otherwise)',
};
const PAGE_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: 'string', value: 'N', description: 'page size (1-100)' },
  cursor: { type: 'string', value: 'CURSOR', description: 'continue from a previous page' },
  all: { type: 'boolean', description: 'follow every page' },
};

// ---------------------------------------------------------------- helpers

function str(inv: Invocation, name: string): string | undefined {
  const value = inv.values[name];
  return typeof value === 'string' ? value : undefined;
}

function strs(inv: Invocation, name: string): string[] {
  const value = inv.values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function flag(inv: Invocation, name: string): boolean {
  return inv.values[name] === true;
}

function required(inv: Invocation, name: string): string {
  const value = str(inv, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Scopes from repeated `--scope` options, each space-delimited. */
function scopes(inv: Invocation): string[] {
  return [...new Set(strs(inv, 'scope').flatMap((s) => s.split(' ').filter((t) => t !== '')))];
}

function integer(inv: Invocation, name: string, min = 1): number | undefined {
  const value = str(inv, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return Number(value);
}

/** `--ttl N` or `--ttl default` (null: back to the default). */
function ttl(inv: Invocation): number | null | undefined {
  if (str(inv, 'ttl') === 'default') return null;
  return integer(inv, 'ttl');
}

function jsonObject(inv: Invocation, name: string): Record<string, unknown> | undefined {
  const value = str(inv, name);
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`--${name} must be JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--${name} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function authMethod(value: string | undefined): ClientAuthMethod | undefined {
  if (value === undefined) return undefined;
  if (value === 'basic' || value === 'client_secret_basic') return 'client_secret_basic';
  if (value === 'post' || value === 'client_secret_post') return 'client_secret_post';
  throw new UsageError('--auth-method must be basic or post');
}

const DURATION = /^(\d+)([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `30s`, `15m`, `2h`, `7d` in ms, or undefined when the value is not a duration. */
export function durationMs(value: string): number | undefined {
  const match = DURATION.exec(value);
  return match === null ? undefined : Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] * 1000;
}

/** An ISO 8601 date-time (or date), normalised to UTC. */
export function parseDate(value: string, name: string): string {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new UsageError(`--${name} must be an ISO 8601 date-time such as 2030-01-31T12:00:00Z`);
  }
  return new Date(parsed).toISOString();
}

/** A duration ago (`30m`, `2h`, `7d`) or an ISO 8601 date-time. */
export function parseSince(value: string, now: number, name = 'since'): string {
  const ms = durationMs(value);
  if (ms !== undefined) return new Date(now - ms).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new UsageError(`--${name} must be a duration (30m, 2h, 7d) or an ISO 8601 date-time`);
  }
  return parseDate(value, name);
}

function resolveIssuer(inv: Invocation): string {
  const issuer = str(inv, 'issuer') ?? nonEmpty(inv.io.env['IDP_ISSUER']) ?? DEFAULT_ISSUER;
  try {
    new URL(issuer);
  } catch {
    throw new UsageError(`--issuer is not a URL: ${issuer}`);
  }
  return issuer.replace(/\/$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isLoopback(url: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
}

/** Reads a token argument; `-` reads it from standard input. */
async function tokenArgument(inv: Invocation): Promise<string> {
  const arg = inv.args[0];
  if (arg === undefined) throw new UsageError('a TOKEN argument is required (or - to read it from stdin)');
  return (arg === '-' ? await inv.io.readStdin() : arg).trim();
}

function print(inv: Invocation, text: string): void {
  inv.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
}

function printJson(inv: Invocation, value: unknown): void {
  print(inv, JSON.stringify(value, null, 2));
}

/** A cell: `-` for nothing, lists space-joined (scope definitions by value), objects as JSON. */
function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((v) => cell(scopeValue(v))).join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A scope definition `{value, description?}` shows as its value. */
function scopeValue(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'string') {
    return (value as { value: string }).value;
  }
  return value;
}

/** An aligned text table with a header row. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Field/value lines for one object. */
export function fields(entries: [string, unknown][]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${name.padEnd(width)}  ${cell(value)}`).join('\n');
}

// ---------------------------------------------------------------- admin plumbing

async function adminCredentials(io: CliIo, issuer: string): Promise<{ clientId: string; clientSecret: string }> {
  const clientId = nonEmpty(io.env['IDP_ADMIN_CLIENT_ID']);
  const clientSecret = nonEmpty(io.env['IDP_ADMIN_CLIENT_SECRET']);
  if (clientId !== undefined && clientSecret !== undefined) return { clientId, clientSecret };
  if (clientId !== undefined || clientSecret !== undefined) {
    throw new UsageError('set both IDP_ADMIN_CLIENT_ID and IDP_ADMIN_CLIENT_SECRET');
  }
  if (isLoopback(issuer)) {
    // The local IdP keeps its bootstrap admin credentials in <data dir>/bootstrap.json (mode 0600).
    const file = path.resolve(io.cwd, nonEmpty(io.env['IDP_DATA_DIR']) ?? '.idp', 'bootstrap.json');
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { clientId?: unknown; clientSecret?: unknown };
      if (typeof parsed.clientId === 'string' && typeof parsed.clientSecret === 'string') {
        return { clientId: parsed.clientId, clientSecret: parsed.clientSecret };
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliFailure(`cannot read ${file}`);
    }
  }
  throw new UsageError(
    'no admin credentials: set IDP_ADMIN_CLIENT_ID and IDP_ADMIN_CLIENT_SECRET' +
      (isLoopback(issuer) ? ' (or run where .idp/bootstrap.json of the local IdP is, or set IDP_DATA_DIR)' : ''),
  );
}

async function adminClient(inv: Invocation): Promise<AdminClient> {
  const issuer = resolveIssuer(inv);
  const credentials = await adminCredentials(inv.io, issuer);
  const tokenClient = new TokenClient({
    issuer,
    ...credentials,
    fetch: inv.io.fetch,
  });
  return new AdminClient({ issuer, tokenClient });
}

async function listing<T>(inv: Invocation, list: (cursor: string | undefined) => Promise<Page<T>>): Promise<Page<T>> {
  if (flag(inv, 'all')) {
    const items: T[] = [];
    let cursor = str(inv, 'cursor');
    for (let page = 0; page < 1000; page++) {
      const result = await list(cursor);
      items.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) return { items };
    }
    throw new CliFailure('more than 1000 pages; narrow the listing');
  }
  return list(str(inv, 'cursor'));
}

function printPage<T>(inv: Invocation, page: Page<T>, headers: string[], row: (item: T) => unknown[]): void {
  if (inv.json) return printJson(inv, page);
  print(inv, page.items.length === 0 ? '(none)' : table(headers, page.items.map(row)));
  if (page.nextCursor !== undefined) inv.io.stderr(`more: --cursor ${page.nextCursor} (or --all)\n`);
}

function printObject(inv: Invocation, value: object, extra: [string, unknown][] = []): void {
  if (inv.json) return printJson(inv, value);
  print(inv, fields([...Object.entries(value), ...extra]));
}

function done(inv: Invocation, message: string, value: object): void {
  if (inv.json) printJson(inv, value);
  else print(inv, message);
}

// ---------------------------------------------------------------- commands

const COMMANDS: Command[] = [
  {
    name: 'token',
    args: [],
    summary: 'get an access token with client credentials',
    details:
      'Credentials: --client-id, else $IDP_CLIENT_ID; the secret from --client-secret-stdin, --client-secret or\n' +
      '$IDP_CLIENT_SECRET (prefer stdin or the environment: arguments show up in process lists).\n' +
      'Prints the access token; with --json the token response (access_token, token_type, expires_in, scope).',
    options: {
      audience: { type: 'string', short: 'a', value: 'API', description: 'the API identifier (aud)' },
      scope: { type: 'string', short: 's', multiple: true, value: 'SCOPES', description: 'space-delimited scopes' },
      issuer: ISSUER_OPTION,
      'token-endpoint': {
        type: 'string',
        value: 'URL',
        description: 'the token endpoint (default: $IDP_TOKEN_ENDPOINT, else discovered from the issuer)',
      },
      'client-id': { type: 'string', value: 'ID', description: 'the client id (default: $IDP_CLIENT_ID)' },
      'client-secret': { type: 'string', value: 'SECRET', description: 'the secret (default: $IDP_CLIENT_SECRET)' },
      'client-secret-stdin': { type: 'boolean', description: 'read the secret from standard input' },
      'auth-method': { type: 'string', value: 'basic|post', description: 'client_secret_basic (default) or _post' },
    },
    async run(inv) {
      const clientId = str(inv, 'client-id') ?? nonEmpty(inv.io.env['IDP_CLIENT_ID']);
      if (clientId === undefined) throw new UsageError('a client id is required: --client-id or IDP_CLIENT_ID');
      if (flag(inv, 'client-secret-stdin') && str(inv, 'client-secret') !== undefined) {
        throw new UsageError('give --client-secret or --client-secret-stdin, not both');
      }
      const clientSecret = flag(inv, 'client-secret-stdin')
        ? (await inv.io.readStdin()).replace(/\r?\n$/, '')
        : (str(inv, 'client-secret') ?? nonEmpty(inv.io.env['IDP_CLIENT_SECRET']));
      if (clientSecret === undefined || clientSecret === '') {
        throw new UsageError('a client secret is required: --client-secret-stdin or IDP_CLIENT_SECRET');
      }
      const tokenEndpoint = str(inv, 'token-endpoint') ?? nonEmpty(inv.io.env['IDP_TOKEN_ENDPOINT']);
      if (tokenEndpoint !== undefined && str(inv, 'issuer') !== undefined) {
        throw new UsageError('give --issuer or --token-endpoint, not both');
      }
      const client = new TokenClient({
        ...(tokenEndpoint !== undefined ? { tokenEndpoint } : { issuer: resolveIssuer(inv) }),
        clientId,
        clientSecret,
        authMethod: authMethod(str(inv, 'auth-method')),
        fetch: inv.io.fetch,
      });
      const requestedScopes = scopes(inv);
      const token = await client.getToken({
        audience: str(inv, 'audience'),
        scope: requestedScopes.length === 0 ? undefined : requestedScopes,
      });
      if (!inv.json) return print(inv, token.accessToken);
      printJson(inv, {
        access_token: token.accessToken,
        token_type: token.tokenType,
        expires_in: Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000)),
        expires_at: new Date(token.expiresAt).toISOString(),
        scope: token.scope,
      });
    },
  },
  {
    name: 'decode',
    args: ['TOKEN'],
    summary: 'show a JWT header and payload WITHOUT verifying it',
    details: 'TOKEN may be - to read it from standard input. Nothing is verified: use `idp verify` to trust a token.',
    options: {},
    async run(inv) {
      const { header, payload } = decodeJwt(await tokenArgument(inv));
      if (inv.json) return printJson(inv, { verified: false, header, payload });
      const times: string[] = [];
      for (const claim of ['iat', 'nbf', 'exp']) {
        const value = payload[claim];
        if (typeof value === 'number') times.push(`${claim.padEnd(3)}  ${new Date(value * 1000).toISOString()}`);
      }
      print(
        inv,
        [
          'NOT VERIFIED: this shows what the token says, not whether it is genuine.',
          '',
          'header (not verified):',
          JSON.stringify(header, null, 2),
          '',
          'payload (not verified):',
          JSON.stringify(payload, null, 2),
          ...(times.length > 0 ? ['', ...times] : []),
        ].join('\n'),
      );
    },
  },
  {
    name: 'verify',
    args: ['TOKEN'],
    summary: "verify an access token against the issuer's JWKS (RFC 9068)",
    details:
      'Checks the signature with the JWKS named by the issuer metadata (https, or http for localhost), iss, aud,\n' +
      'typ at+jwt, alg, exp/nbf/iat, the required claims (exp, iat, jti, client_id, sub), and that every\n' +
      '--scope is granted. Exit code 0 when valid, 1 when not. TOKEN may be - to read standard input.',
    options: {
      issuer: { ...ISSUER_OPTION, description: 'the expected issuer (required)' },
      audience: { type: 'string', short: 'a', value: 'API', description: 'the expected audience (required)' },
      scope: {
        type: 'string',
        short: 's',
        multiple: true,
        value: 'SCOPES',
        description: 'scopes that must be granted',
      },
    },
    async run(inv) {
      const issuer = required(inv, 'issuer');
      const audience = required(inv, 'audience');
      const token = await tokenArgument(inv);
      const doFetch = inv.io.fetch ?? fetch;
      const url = metadataUrl(issuer);
      const httpsOrLoopback = (u: string) => new URL(u).protocol === 'https:' || isLoopback(u);
      if (!httpsOrLoopback(issuer)) throw new UsageError('--issuer must be https (http only for localhost)');
      const metadata = await getJson(doFetch, url);
      // RFC 8414 §3.3: the metadata must be the issuer's own.
      if (metadata['issuer'] !== issuer) throw new CliFailure(`the metadata at ${url} is not for issuer ${issuer}`);
      const jwksUri =
        typeof metadata['jwks_uri'] === 'string' ? metadata['jwks_uri'] : `${issuer}/.well-known/jwks.json`;
      if (!httpsOrLoopback(jwksUri)) throw new CliFailure(`the jwks_uri ${jwksUri} is not https`);
      const verifier = new AccessTokenVerifier({
        issuer,
        audience,
        jwksUri,
        // aws-jwt-verify's own fetcher speaks https only; this one also reaches a local http issuer.
        fetchJwks: (uri) => getJson(doFetch, uri),
        subject: 'any',
      });
      const required_ = scopes(inv);
      try {
        const grant = await verifier.verify(token);
        const missing = required_.filter((s) => !grant.scope.includes(s));
        if (missing.length > 0) throw new InvalidAccessTokenError(`the token lacks the scope ${missing.join(' ')}`);
        const { header } = decodeJwt(token);
        if (inv.json) return printJson(inv, { valid: true, header, payload: grant.claims });
        print(
          inv,
          [
            `valid: an access token for ${audience} from ${issuer}`,
            fields([
              ['client_id', grant.clientId],
              ['scope', grant.scope],
              ['expires', new Date(Number(grant.claims.exp) * 1000).toISOString()],
              ['jti', grant.jti],
              ['kid', header['kid']],
            ]),
          ].join('\n'),
        );
      } catch (err) {
        if (!(err instanceof InvalidAccessTokenError)) throw err;
        if (inv.json) printJson(inv, { valid: false, error: err.message });
        throw new CliFailure(`invalid token: ${err.message}`);
      }
    },
  },
  // ---- clients ----
  {
    name: 'clients list',
    args: [],
    admin: true,
    summary: 'list clients, newest first',
    options: {
      search: { type: 'string', short: 'q', value: 'TEXT', description: 'part of the name, or the exact id' },
      status: { type: 'string', value: 'enabled|disabled', description: 'only clients with this status' },
      ...PAGE_OPTIONS,
    },
    async run(inv) {
      const query = { q: str(inv, 'search'), status: str(inv, 'status'), limit: integer(inv, 'limit') };
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
        const value = str(inv, option);
        if (value === undefined) continue;
        if (value !== 'true' && value !== 'false') throw new UsageError(`--${option} must be true or false`);
        patch[field] = value === 'true';
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
  // ---- secrets ----
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
  // ---- APIs ----
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
      scope: { type: 'string', short: 's', multiple: true, value: 'SCOPES', description: 'space-delimited scopes' },
      'scopes-json': {
        type: 'string',
        value: 'JSON',
        description: 'scopes with descriptions: [{"value":"read","description":"..."}]',
      },
      ttl: { type: 'string', value: 'SECONDS', description: 'access-token lifetime' },
      'token-reuse': { type: 'boolean', description: 'hand out a still-valid token again for a repeated request' },
    },
    async run(inv) {
      const body: Record<string, unknown> = {
        identifier: inv.args[0]!,
        name: required(inv, 'name'),
        scopes: scopeDefinitions(inv) ?? [],
      };
      if (str(inv, 'ttl') !== undefined) body['accessTokenTtl'] = integer(inv, 'ttl');
      if (flag(inv, 'token-reuse')) body['tokenReuse'] = true;
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
      scope: { type: 'string', short: 's', multiple: true, value: 'SCOPES', description: 'the new scopes' },
      'scopes-json': { type: 'string', value: 'JSON', description: 'the new scopes with descriptions' },
      ttl: { type: 'string', value: 'SECONDS|default', description: 'access-token lifetime' },
      'token-reuse': { type: 'string', value: 'true|false', description: 'token reuse' },
      'if-match': IF_MATCH_OPTION,
    },
    async run(inv) {
      const patch: Record<string, unknown> = {};
      if (str(inv, 'name') !== undefined) patch['name'] = str(inv, 'name');
      const definitions = scopeDefinitions(inv);
      if (definitions !== undefined) patch['scopes'] = definitions;
      if (str(inv, 'ttl') !== undefined) patch['accessTokenTtl'] = ttl(inv);
      const reuse = str(inv, 'token-reuse');
      if (reuse !== undefined) {
        if (reuse !== 'true' && reuse !== 'false') throw new UsageError('--token-reuse must be true or false');
        patch['tokenReuse'] = reuse === 'true';
      }
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
  // ---- rules ----
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
      audience: { type: 'string', short: 'a', value: 'API', description: 'the API identifier (required)' },
      scope: { type: 'string', short: 's', multiple: true, value: 'SCOPES', description: 'scopes (required)' },
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
    options: { audience: { type: 'string', short: 'a', value: 'API', description: 'the API identifier (required)' } },
    async run(inv) {
      const [clientId, audience] = [inv.args[0]!, required(inv, 'audience')];
      await (await adminClient(inv)).revokeRule(clientId, audience);
      done(inv, `rule of client ${clientId} on ${audience} deleted`, { deleted: true, clientId, audience });
    },
  },
  // ---- audit ----
  {
    name: 'audit list',
    args: [],
    admin: true,
    summary: 'read the audit trail, newest first',
    options: {
      since: { type: 'string', value: 'WHEN', description: 'events since a duration ago (30m, 2h, 7d) or a date' },
      until: { type: 'string', value: 'WHEN', description: 'events before a duration ago or a date' },
      actor: { type: 'string', value: 'CLIENT_ID', description: 'changes made by this admin client' },
      action: { type: 'string', value: 'ACTION', description: 'e.g. client.create, secret.revoke, rule.put' },
      'target-type': { type: 'string', value: 'TYPE', description: 'api, client, secret or rule' },
      'target-id': { type: 'string', value: 'ID', description: "a target's id (a client id includes its secrets)" },
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
        action: str(inv, 'action'),
        targetType: str(inv, 'target-type'),
        targetId: str(inv, 'target-id'),
        limit: integer(inv, 'limit'),
      };
      const admin = await adminClient(inv);
      const page = await listing(inv, (cursor) => admin.listAudit({ ...query, cursor }));
      printPage(inv, page, ['AT', 'ACTOR', 'ACTION', 'TARGET', 'CHANGED'], (e) => [
        e.at,
        e.actor.clientId,
        e.action,
        `${e.target.type} ${e.target.id}`,
        Object.keys(e.diff),
      ]);
    },
  },
];

function scopeDefinitions(inv: Invocation): { value: string; description?: string }[] | undefined {
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
    return parsed as { value: string; description?: string }[];
  }
  return values.length > 0 ? values.map((value) => ({ value })) : undefined;
}

async function getJson(doFetch: typeof fetch, url: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await doFetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliFailure(`cannot reach ${url}: ${(err as Error).message}`);
  }
  if (!response.ok) throw new CliFailure(`${url} answered ${response.status}`);
  const body: unknown = await response.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null) throw new CliFailure(`${url} did not answer a JSON object`);
  return body as Record<string, unknown>;
}

/** Header and payload of a JWS compact serialization, not verified. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new CliFailure('not a JWT: expected three dot-separated parts (RFC 7515 §7.1)');
  const part = (segment: string, what: string) => {
    try {
      if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new Error('not base64url');
      const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, unknown>;
    } catch {
      throw new CliFailure(`not a JWT: the ${what} is not base64url-encoded JSON`);
    }
  };
  return { header: part(parts[0]!, 'header'), payload: part(parts[1]!, 'payload') };
}

// ---------------------------------------------------------------- help

const GROUPS = ['clients', 'secrets', 'apis', 'rules', 'audit'];

function optionsOf(command: Command): Record<string, OptionSpec> {
  return {
    ...command.options,
    ...(command.admin === true ? { issuer: ISSUER_OPTION } : {}),
    json: JSON_OPTION,
    help: HELP_OPTION,
  };
}

function usageLine(command: Command): string {
  const args = command.args.map((a) => ` ${a}`).join('');
  const requiredOptions = Object.entries(command.options)
    .filter(([, spec]) => spec.description.includes('(required)'))
    .map(([name, spec]) => ` --${name} ${spec.value ?? ''}`.trimEnd())
    .join('');
  return `idp ${command.name}${args}${requiredOptions} [options]`;
}

function commandHelp(command: Command): string {
  const options = Object.entries(optionsOf(command)).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    return [`  ${short}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`, spec.description];
  });
  const width = Math.max(...options.map(([left]) => left!.length));
  const lines = [
    `Usage: ${usageLine(command)}`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
  ];
  if (command.details !== undefined) lines.push('', command.details);
  lines.push('', 'Options:', ...options.map(([left, right]) => `${left!.padEnd(width)}  ${right}`));
  if (command.admin === true) {
    lines.push(
      '',
      'Admin credentials: $IDP_ADMIN_CLIENT_ID and $IDP_ADMIN_CLIENT_SECRET, else (for a localhost issuer) the',
      "local IdP's .idp/bootstrap.json (or $IDP_DATA_DIR/bootstrap.json).",
    );
  }
  return lines.join('\n');
}

function groupHelp(group: string): string {
  const commands = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...commands.map((c) => c.name.length + 1 + c.args.join(' ').length));
  return [
    `Usage: idp ${group} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  idp ${`${c.name} ${c.args.join(' ')}`.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`idp ${group} <command> --help\` for its options.`,
  ].join('\n');
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length + 1 + c.args.join(' ').length));
  return [
    'idp: tokens and administration for serverless-idp',
    '',
    'Usage: idp <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  idp ${`${c.name} ${c.args.join(' ')}`.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (JSON output) and --help. Run `idp <command> --help` for its options.',
    `The issuer defaults to $IDP_ISSUER, else ${DEFAULT_ISSUER} (the local IdP of \`npm start\`).`,
    'Exit codes: 0 success, 1 an error from the IdP or an invalid token, 2 a usage error.',
  ].join('\n');
}

// ---------------------------------------------------------------- entry

function findCommand(argv: string[]): { command: Command; rest: string[] } | { help: string } {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && second !== undefined) return findCommand([...argv.slice(1), '--help']);
    return { help: mainHelp() };
  }
  if (GROUPS.includes(first)) {
    if (second === undefined || second === '--help' || second === '-h') return { help: groupHelp(first) };
    const command = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (command === undefined) throw new UsageError(`unknown command: idp ${first} ${second}\n\n${groupHelp(first)}`);
    return { command, rest: argv.slice(2) };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) throw new UsageError(`unknown command: ${first}\n\nRun \`idp --help\` for the commands.`);
  return { command, rest: argv.slice(1) };
}

/**
 * Lets values start with `-`, as generated ids (base64url) and secrets can: `parseArgs` would take
 * `--client-id -Xy` or a positional `-Xy` for options. A string option always takes the next argument
 * as its value (`--name value` becomes `--name=value`); an argument such as `-Xy…` that is not a
 * cluster of known short flags is a positional. Positionals are passed after `--`, in their order.
 */
export function normalizeArgs(args: readonly string[], options: Record<string, OptionSpec>): string[] {
  const valueLong = new Set(Object.keys(options).filter((name) => options[name]!.type === 'string'));
  const valueShort = new Map<string, string>();
  const flagShort = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.short === undefined) continue;
    if (spec.type === 'string') valueShort.set(spec.short, name);
    else flagShort.add(spec.short);
  }
  const out: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && valueLong.has(arg.slice(2)) && next !== undefined) {
        out.push(`${arg}=${next}`);
        i++;
      } else {
        out.push(arg);
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg.slice(1);
      if (short.length === 1 && valueShort.has(short) && next !== undefined) {
        out.push(`--${valueShort.get(short)!}=${next}`);
        i++;
      } else if (short.length === 1 || [...short].every((c) => flagShort.has(c))) {
        out.push(arg);
      } else {
        positionals.push(arg);
      }
    } else {
      positionals.push(arg);
    }
  }
  return positionals.length === 0 ? out : [...out, '--', ...positionals];
}

/**
 * Runs one `idp` invocation.
 * @returns the exit code: 0 success, 1 error, 2 usage error
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command: Command | undefined;
  let json = false;
  try {
    const found = findCommand(argv);
    if ('help' in found) {
      io.stdout(`${found.help}\n`);
      return 0;
    }
    command = found.command;
    let parsed: ReturnType<typeof parseArgs>;
    try {
      const options = optionsOf(command);
      parsed = parseArgs({ args: normalizeArgs(found.rest, options), options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message, command);
    }
    if (parsed.values['help'] === true) {
      io.stdout(`${commandHelp(command)}\n`);
      return 0;
    }
    const min = command.args.filter((a) => !a.endsWith('?')).length;
    if (parsed.positionals.length < min) {
      throw new UsageError(`missing argument ${command.args[parsed.positionals.length]}`, command);
    }
    if (parsed.positionals.length > command.args.length) {
      throw new UsageError(`unexpected argument ${parsed.positionals[command.args.length]}`, command);
    }
    json = parsed.values['json'] === true;
    await command.run({ values: parsed.values, args: parsed.positionals, io, json });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      const cmd = err.command ?? command;
      io.stderr(`error: ${err.message}\n${cmd === undefined ? '' : `usage: ${usageLine(cmd)}\n`}`);
      return 2;
    }
    if (err instanceof AdminApiError) {
      const lines = [`error: ${err.title}: ${err.detail}`];
      for (const e of err.errors) lines.push(`  ${e.pointer ?? e.parameter ?? e.header ?? ''}: ${e.detail}`);
      io.stderr(`${lines.join('\n')}\n`);
      return 1;
    }
    if (err instanceof TokenEndpointError) {
      io.stderr(`error: ${err.error}: ${err.error_description ?? `HTTP ${err.status}`}\n`);
      return 1;
    }
    if (err instanceof TokenClientError || err instanceof CliFailure) {
      io.stderr(`error: ${err.message}\n`);
      return 1;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
