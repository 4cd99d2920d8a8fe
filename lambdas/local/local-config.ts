/**
 * Local runtime configuration (docs/contract.md, Configuration › Local): environment variables, all optional.
 * - `PORT` (3000), `HOST` (127.0.0.1: loopback only unless you say otherwise)
 * - `IDP_ISSUER` (`http://localhost:$PORT`)
 * - `IDP_DATA_DIR` (`.idp/`): embedded DynamoDB files, signing key, pepper, bootstrap credentials
 * - `IDP_IN_MEMORY=true` or the `--in-memory` flag: nothing written to disk
 * - `IDP_SIGNING_ALG` (`RS256` | `ES256`)
 * - `IDP_SIGNING_MODE` (`local` | `envelope`): the local key set (default), or the envelope mode's wrapped
 *   key in the table, decrypted once at start (README, "Signing modes")
 * - `IDP_BOOTSTRAP_CLIENT_ID` / `IDP_BOOTSTRAP_CLIENT_SECRET`: fixed bootstrap admin credentials
 * - `IDP_BOOTSTRAP_ADMIN_PASSWORD`: the first admin person's password (checked by the password policy;
 *   used when the person is created, never printed), instead of a generated one
 * - `IDP_DISPLAY_NAME`: the issuer's name on the hosted pages (the issuer's host)
 * - `IDP_DEFAULT_ACCESS_TOKEN_TTL` (3600)
 * - `IDP_LASTING_SECRET_MARGIN_SECONDS` (86400): the last-admin guard rail's margin
 */
import path from 'node:path';
import { firstAdminPasswordProblem } from '../domain/first-admin-person';
import type { SigningAlgorithm } from '../domain/ports';

export interface LocalConfig {
  port: number;
  host: string;
  /** Issuer; derived from the bound port when absent. */
  issuer?: string;
  /** Data folder; undefined runs fully in memory. */
  dataDir?: string;
  alg: SigningAlgorithm;
  /**
   * `local`: the key set file; `envelope`: a wrapped key in the table (lambdas/local/local-envelope-keys.ts).
   * @default 'local'
   */
  signing?: 'local' | 'envelope';
  bootstrapClientId?: string;
  bootstrapClientSecret?: string;
  /** The first admin person's password; generated (and kept in the data folder) when absent. */
  bootstrapAdminPassword?: string;
  /** The issuer's name on the hosted pages; the issuer's host when absent. */
  displayName?: string;
  defaultAccessTokenTtl: number;
  /** The last-admin guard rail's margin; the admin API's default (24 h) when absent. */
  lastingSecretMarginSeconds?: number;
}

/** Thrown for a bad setting; main prints it and exits 2. */
export class ConfigError extends Error {}

export function readLocalConfig(rawEnv: NodeJS.ProcessEnv, argv: string[], cwd: string): LocalConfig {
  // An empty variable counts as unset.
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined && value !== ''));
  const port = integer(env['PORT'] ?? '3000', 'PORT', 0, 65535);
  const alg = env['IDP_SIGNING_ALG'] ?? 'RS256';
  if (alg !== 'RS256' && alg !== 'ES256') throw new ConfigError(`IDP_SIGNING_ALG must be RS256 or ES256, got ${alg}`);
  const signing = env['IDP_SIGNING_MODE'] ?? 'local';
  if (signing !== 'local' && signing !== 'envelope') {
    throw new ConfigError(`IDP_SIGNING_MODE must be local or envelope, got ${signing}`);
  }
  const inMemory = argv.includes('--in-memory') || env['IDP_IN_MEMORY'] === 'true';
  const issuer = env['IDP_ISSUER'];
  // The local server routes absolute paths (as the HTTP API's $default stage does): no issuer path.
  if (issuer !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(issuer)) {
    throw new ConfigError(`IDP_ISSUER must be an http(s) origin without a path, query or fragment, got ${issuer}`);
  }
  const id = env['IDP_BOOTSTRAP_CLIENT_ID'];
  const secret = env['IDP_BOOTSTRAP_CLIENT_SECRET'];
  if ((id === undefined) !== (secret === undefined)) {
    throw new ConfigError('set both IDP_BOOTSTRAP_CLIENT_ID and IDP_BOOTSTRAP_CLIENT_SECRET, or neither');
  }
  if (secret !== undefined && secret.length < 16) {
    throw new ConfigError('IDP_BOOTSTRAP_CLIENT_SECRET must be at least 16 characters');
  }
  for (const [name, value] of [
    ['IDP_BOOTSTRAP_CLIENT_ID', id],
    ['IDP_BOOTSTRAP_CLIENT_SECRET', secret],
  ] as const) {
    // RFC 6749 Appendix A: client_id and client_secret are VSCHAR.
    if (value !== undefined && !/^[\x20-\x7E]+$/.test(value)) throw new ConfigError(`${name} must be printable ASCII`);
  }
  const adminPassword = env['IDP_BOOTSTRAP_ADMIN_PASSWORD'];
  const passwordProblem = adminPassword === undefined ? undefined : firstAdminPasswordProblem(adminPassword);
  // The policy's sentence names the rule, never the value.
  if (passwordProblem !== undefined) throw new ConfigError(`IDP_BOOTSTRAP_ADMIN_PASSWORD: ${passwordProblem}`);
  const displayName = env['IDP_DISPLAY_NAME'];
  return {
    port,
    host: env['HOST'] ?? '127.0.0.1',
    ...(adminPassword === undefined ? {} : { bootstrapAdminPassword: adminPassword }),
    ...(displayName === undefined ? {} : { displayName }),
    issuer: issuer?.replace(/\/+$/, ''),
    dataDir: inMemory ? undefined : path.resolve(cwd, env['IDP_DATA_DIR'] ?? '.idp'),
    alg,
    signing,
    bootstrapClientId: id,
    bootstrapClientSecret: secret,
    defaultAccessTokenTtl: integer(
      env['IDP_DEFAULT_ACCESS_TOKEN_TTL'] ?? '3600',
      'IDP_DEFAULT_ACCESS_TOKEN_TTL',
      1,
      30 * 24 * 3600,
    ),
    ...(env['IDP_LASTING_SECRET_MARGIN_SECONDS'] === undefined
      ? {}
      : {
          lastingSecretMarginSeconds: integer(
            env['IDP_LASTING_SECRET_MARGIN_SECONDS'],
            'IDP_LASTING_SECRET_MARGIN_SECONDS',
            0,
            365 * 24 * 3600,
          ),
        }),
  };
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return n;
}
