/**
 * Where the CLI's issuer and credentials come from: options, else `IDP_*` environment variables, else
 * (admin commands) the person's sign-in stored by `idp login`, else (against a localhost issuer) the
 * local IdP's bootstrap credentials file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { str, flag } from './args';
import type { CliIo, Invocation } from './command';
import { CliFailure, DEFAULT_ISSUER, UsageError } from './command';
import type { StoredLogin } from './token-store';
import { TokenStore, configDir } from './token-store';

/** An environment variable's value, with an empty one counting as unset. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Whether a URL's host is this machine (where plain http is acceptable). */
export function isLoopback(url: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
}

/** `--issuer`, else `$IDP_ISSUER`, else the local IdP; without a trailing slash. */
export function resolveIssuer(inv: Invocation): string {
  const issuer = str(inv, 'issuer') ?? nonEmpty(inv.io.env['IDP_ISSUER']) ?? DEFAULT_ISSUER;
  try {
    new URL(issuer);
  } catch {
    throw new UsageError(`--issuer is not a URL: ${issuer}`);
  }
  return issuer.replace(/\/$/, '');
}

/**
 * The client credentials of `idp token`: `--client-id` else `$IDP_CLIENT_ID`; the secret from
 * `--client-secret-stdin`, `--client-secret` or `$IDP_CLIENT_SECRET`.
 */
export async function clientCredentials(inv: Invocation): Promise<{ clientId: string; clientSecret: string }> {
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
  return { clientId, clientSecret };
}

/** How admin commands authenticate: an admin client's credentials, or a person's stored sign-in. */
export type AdminCredentials =
  { kind: 'client'; clientId: string; clientSecret: string } | { kind: 'login'; login: StoredLogin };

/**
 * How admin commands authenticate, first match wins:
 * 1. `$IDP_ADMIN_CLIENT_ID` and `$IDP_ADMIN_CLIENT_SECRET` (an admin client, client credentials);
 * 2. the person's sign-in for this issuer stored by `idp login` (its access token as is; expired →
 *    "run idp login");
 * 3. for a localhost issuer, the local IdP's `<data dir>/bootstrap.json`.
 */
export async function adminCredentials(io: CliIo, issuer: string): Promise<AdminCredentials> {
  const clientId = nonEmpty(io.env['IDP_ADMIN_CLIENT_ID']);
  const clientSecret = nonEmpty(io.env['IDP_ADMIN_CLIENT_SECRET']);
  if (clientId !== undefined && clientSecret !== undefined) return { kind: 'client', clientId, clientSecret };
  if (clientId !== undefined || clientSecret !== undefined) {
    throw new UsageError('set both IDP_ADMIN_CLIENT_ID and IDP_ADMIN_CLIENT_SECRET');
  }
  if (configDir(io) !== undefined) {
    const login = await TokenStore.of(io).load(issuer);
    if (login !== undefined) return { kind: 'login', login };
  }
  if (isLoopback(issuer)) {
    // The local IdP keeps its bootstrap admin credentials in <data dir>/bootstrap.json (mode 0600).
    const file = path.resolve(io.cwd, nonEmpty(io.env['IDP_DATA_DIR']) ?? '.idp', 'bootstrap.json');
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { clientId?: unknown; clientSecret?: unknown };
      if (typeof parsed.clientId === 'string' && typeof parsed.clientSecret === 'string') {
        return { kind: 'client', clientId: parsed.clientId, clientSecret: parsed.clientSecret };
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliFailure(`cannot read ${file}`);
    }
  }
  throw new UsageError(
    `not signed in to ${issuer}: run idp login (or set IDP_ADMIN_CLIENT_ID and IDP_ADMIN_CLIENT_SECRET` +
      (isLoopback(issuer) ? ', or run where .idp/bootstrap.json of the local IdP is, or set IDP_DATA_DIR)' : ')'),
  );
}
