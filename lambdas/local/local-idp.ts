/**
 * Starts the whole IdP locally: embedded DynamoDB (dynalite, persisted under the data folder or in
 * memory), the table, a local pepper and signing key, the bootstrap admin client, the built-in clients,
 * the first admin person, and the HTTP server calling the same handlers as Lambda. `stop()` closes
 * everything it started.
 */
import { randomBytes } from 'node:crypto';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CONSOLE_CLIENT_ID, adminAudience, consoleUrl, ensureBootstrap } from '../domain/bootstrap';
import { FIRST_ADMIN_USERNAME, ensureFirstAdminPerson } from '../domain/first-admin-person';
import type { FirstAdminDeps } from '../domain/first-admin-person';
import { DEFAULT_LASTING_SECRET_MARGIN_SECONDS } from '../domain/admin/guard-rails';
import { TOKEN_PATH } from '../domain/endpoints/paths';
import { tokenPathReads } from '../domain/ports';
import type { Logger } from '../domain/ports';
import { SecretUsageTracker } from '../domain/secret-usage';
import type { TokenEndpointDeps } from '../domain/endpoints/token-endpoint';
import { describeError } from '../domain/errors';
import type { PasswordKdf } from '../domain/people/ports';
import { makeDynamoDbRepositories } from '../adapters/dynamodb-repositories';
import type { DynamoDbRepositories } from '../adapters/dynamodb-repositories';
import { ensureTable, makeDynamoDbDocumentClient } from '../adapters/dynamodb-setup';
import { HmacSecretHasher } from '../adapters/hmac-secret-hasher';
import { loadOrCreateLocalPepper } from '../adapters/local-pepper';
import { LocalTokenSigner } from '../adapters/local-token-signer';
import { loadLocalEnvelopeKeys } from './local-envelope-keys';
import { randomIds } from '../adapters/random-ids';
import { ScryptPasswordKdf } from '../adapters/scrypt-password-kdf';
import { systemClock } from '../adapters/system-clock';
import { AccessTokenVerifier } from '../adapters/access-token-verifier';
import { IssuedTokenVerifier } from '../adapters/issued-token-verifier';
import { DynamoDbTokenStatusSource } from '../adapters/token-status-source';
import { ADMIN_ROUTE_SCOPES } from '../domain/bearer-authorization';
import { makeHandler as makeAdminHandler } from '../handlers/admin-handler';
import { withBearerAuthorization } from '../handlers/bearer-challenge';
import { makeHandler as makeDiscoveryHandler } from '../handlers/discovery-handler';
import { makeTokenFunctionHandler } from '../handlers/token-handler';
import { makeHandler as makeUserinfoHandler } from '../handlers/userinfo-handler';
import { userinfoAudience } from '../domain/grants/authorization-code-grant';
import { makeHandler as makeSignInHandler } from '../handlers/sign-in-handler';
import { makeHandler as makeConsoleHandler } from '../handlers/console-handler';
import { defaultDisplayName } from '../domain/pages/layout';
import { consoleAssets } from '../../console/build';
import type { LocalConfig } from './local-config';
import { LocalBundleCache } from './local-bundle-cache';
import { preparePrivateDataDir } from './local-data-dir';
import { startLocalDynamoDb } from './local-dynamodb';
import { createLocalServer } from './local-server';
import type { LocalRoutes } from './local-server';

export const LOCAL_TABLE_NAME = 'serverless-idp';
export const BOOTSTRAP_FILE = 'bootstrap.json';
/** The first admin person's generated password, in the data folder (mode 0600). */
export const ADMIN_PASSWORD_FILE = 'admin-password';

/** The first admin person (docs/contract.md, Admin API › Bootstrap) as this start found or made it. */
export interface AdminPerson {
  username: string;
  /** True when this start created the person (the IdP had no user). */
  created: boolean;
  /** The generated password: only on the start that created the person with it (printed once). */
  password?: string;
  /** Where the generated password is kept, when that file exists; undefined in memory. */
  file?: string;
  /** The password came from `IDP_BOOTSTRAP_ADMIN_PASSWORD` (never printed). */
  fixed: boolean;
}

export interface BootstrapCredentials {
  clientId: string;
  clientSecret: string;
  /** Where the credentials are kept; undefined in memory. */
  file?: string;
  /** True when this start created the client or registered its secret. */
  created: boolean;
}

export interface LocalIdp {
  url: string;
  issuer: string;
  port: number;
  bootstrap: BootstrapCredentials;
  /** The first admin person. */
  adminPerson: AdminPerson;
  /** The admin console's URL, `<issuer>/console/`. */
  consoleUrl: string;
  /** The composed token endpoint dependencies (tests read counters through them). */
  tokenDeps: TokenEndpointDeps;
  /** The repositories over the embedded table (tests and the benchmark seed and read through them). */
  repositories: DynamoDbRepositories;
  /** The password KDF, keyed with the local pepper (to seed users with a password). */
  passwordKdf: PasswordKdf;
  /** The low-level client of the embedded table (an authorizer under test reads through it). */
  dynamoDb: DynamoDBClient;
  /** The embedded table's name. */
  tableName: string;
  stop(): Promise<void>;
}

export interface LocalIdpOptions {
  logger: Logger;
  /** Overrides of the token endpoint dependencies (tests inject counters or faults). */
  overrideTokenDeps?: (deps: TokenEndpointDeps) => TokenEndpointDeps;
  /** The issuer's name on the hosted pages (default: the issuer's host). */
  displayName?: string;
  /**
   * Called once with the SDK client every repository sends through, before anything is sent (the
   * benchmark adds a middleware that counts commands; nothing else should need it).
   */
  instrumentDynamoDb?: (client: DynamoDBClient) => void;
  /**
   * Serve the admin console under `/console/` (built with esbuild at start, about 0.1 s, once per process).
   * @default true
   */
  console?: boolean;
}

export async function startLocalIdp(config: LocalConfig, options: LocalIdpOptions): Promise<LocalIdp> {
  const { logger } = options;
  // Before anything in it is opened: 0700/0600 for what exists, a umask for what is created later.
  if (config.dataDir !== undefined) await preparePrivateDataDir(config.dataDir, logger);

  const db = await startLocalDynamoDb({
    path: config.dataDir === undefined ? undefined : path.join(config.dataDir, 'dynamodb'),
  });
  // The embedded store answers only this start's random credential (local-dynamodb.ts).
  const dynamo = new DynamoDBClient({
    endpoint: db.endpoint,
    region: db.region,
    credentials: db.credentials,
    maxAttempts: 3,
  });
  options.instrumentDynamoDb?.(dynamo);

  const closers: (() => Promise<void>)[] = [async () => dynamo.destroy(), () => db.close()];
  const stopAll = async () => {
    for (const close of closers.reverse())
      await close().catch((err) => logger.error('stop failed', { error: describeError(err) }));
  };

  try {
    let resolveRoutes!: (routes: LocalRoutes) => void;
    let rejectRoutes!: (err: unknown) => void;
    const routes = new Promise<LocalRoutes>((resolve, reject) => ((resolveRoutes = resolve), (rejectRoutes = reject)));
    routes.catch(() => {});
    const server = createLocalServer(
      routes,
      (err) => logger.error('local server error', { error: describeError(err) }),
      (err) => logger.debug?.('client aborted the request', { error: describeError(err) }),
    );
    await listen(server, config.port, config.host);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const issuer = config.issuer ?? `http://localhost:${port}`;

    try {
      await ensureTable(dynamo, LOCAL_TABLE_NAME);
      const repositories = makeDynamoDbRepositories({
        client: makeDynamoDbDocumentClient(dynamo),
        tableName: LOCAL_TABLE_NAME,
      });
      const { clients, apis } = repositories;
      const pepper = await loadOrCreateLocalPepper(config.dataDir);
      const hasher = new HmacSecretHasher(pepper);
      // Passwords: scrypt at the OWASP parameters, keyed with the same local pepper.
      const kdf = new ScryptPasswordKdf(pepper);
      // The signer is also the JWKS key source (every published key).
      const { signer, keySource } =
        config.signing === 'envelope'
          ? await loadLocalEnvelopeKeys({
              client: makeDynamoDbDocumentClient(dynamo),
              tableName: LOCAL_TABLE_NAME,
              dataDir: config.dataDir,
              alg: config.alg,
            })
          : await LocalTokenSigner.load({ dataDir: config.dataDir, alg: config.alg }).then((local) => ({
              signer: local,
              keySource: local,
            }));
      // Built while the rest starts: no build step before `npm start` (console/build.ts).
      const consoleBuild = options.console === false ? undefined : consoleAssets();
      consoleBuild?.catch(() => {});

      const bootstrap = await bootstrapAdmin(config, issuer, {
        clients,
        apis,
        hasher,
        clock: systemClock,
        ids: randomIds,
      });

      const { users } = repositories;
      const adminPerson = await firstAdminPerson(config, issuer, { users, kdf, clock: systemClock, ids: randomIds });
      const baseDeps: TokenEndpointDeps = {
        store: new LocalBundleCache(tokenPathReads(clients, apis), db.writeGeneration),
        people: {
          codes: repositories.codes,
          users,
          revocations: repositories.revocations,
          sessions: repositories.sessions,
        },
        signer,
        hasher,
        clock: systemClock,
        ids: randomIds,
        logger,
        observe: new SecretUsageTracker(clients, logger, Date.now).observe,
        config: { issuer, defaultAccessTokenTtl: config.defaultAccessTokenTtl },
      };
      const tokenDeps = options.overrideTokenDeps?.(baseDeps) ?? baseDeps;
      const displayName = options.displayName ?? config.displayName;
      // The admin API behind the same authorizer logic API Gateway runs on AWS. The issuer is http
      // locally, so the verifier takes the JWKS from the in-process key source instead of fetching it.
      // People's tokens too (`sub` = the user id; the admin API then checks the user, admin-api.ts).
      const adminVerifier = new AccessTokenVerifier({
        issuer,
        audience: adminAudience(issuer),
        subject: 'any',
        fetchJwks: async () => ({ keys: await keySource.publicJwks() }),
      });
      const admin = makeAdminHandler({
        ...repositories,
        hasher,
        kdf,
        clock: systemClock,
        ids: randomIds,
        logger,
        config: {
          issuer,
          lastingSecretMarginSeconds: config.lastingSecretMarginSeconds ?? DEFAULT_LASTING_SECRET_MARGIN_SECONDS,
        },
      });
      // Revocation and introspection verify any of this issuer's access tokens (any audience), with the
      // JWKS from the in-process key source like the admin verifier.
      const issuedTokens = new IssuedTokenVerifier({
        issuer,
        fetchJwks: async () => ({ keys: await keySource.publicJwks() }),
      });
      const inspection = { issuer, verifier: issuedTokens, store: tokenDeps.store, hasher, clock: systemClock, logger };
      const consoleHandler =
        consoleBuild === undefined
          ? undefined
          : makeConsoleHandler({
              assets: await consoleBuild,
              settings: {
                issuer,
                displayName: displayName ?? defaultDisplayName(issuer),
                stage: 'local',
                clientId: CONSOLE_CLIENT_ID,
              },
            });
      resolveRoutes({
        ...(consoleHandler === undefined ? {} : { console: consoleHandler }),
        token: makeTokenFunctionHandler({
          token: tokenDeps,
          revocation: {
            ...inspection,
            people: { revocations: repositories.revocations, sessions: repositories.sessions },
          },
          introspection: {
            ...inspection,
            apis,
            people: { users, revocations: repositories.revocations, sessions: repositories.sessions },
          },
        }),
        discovery: makeDiscoveryHandler({ issuer, signingAlgorithms: [config.alg], keySource, logger }),
        admin: withBearerAuthorization(
          {
            verifier: adminVerifier,
            routeScopes: ADMIN_ROUTE_SCOPES,
            logger,
            // Locally the status is read on every request (no cache): a revoked token, a disabled admin
            // client or user takes effect at once.
            tokenStatus: new DynamoDbTokenStatusSource({
              client: dynamo,
              tableName: LOCAL_TABLE_NAME,
              ttlSeconds: 0,
            }),
          },
          issuer,
          admin,
        ),
        // Public on AWS too: its own route without the authorizer.
        adminOpenApi: admin,
        userinfo: makeUserinfoHandler({
          issuer,
          // Like the admin verifier: the JWKS from the in-process key source (the issuer is http).
          verifier: new AccessTokenVerifier({
            issuer,
            audience: userinfoAudience(issuer),
            subject: 'any',
            fetchJwks: async () => ({ keys: await keySource.publicJwks() }),
          }),
          users,
          revocations: repositories.revocations,
          logger,
        }),
        signIn: makeSignInHandler({
          clients,
          apis,
          users,
          setups: repositories.setups,
          kdf,
          signInSessions: repositories.signInSessions,
          requests: repositories.authorizationRequests,
          codes: repositories.codes,
          sessions: repositories.sessions,
          consents: repositories.consents,
          clock: systemClock,
          ids: randomIds,
          logger,
          config: { issuer, ...(displayName === undefined ? {} : { displayName }) },
        }),
      });
      return {
        url: `http://localhost:${port}`,
        issuer,
        port,
        bootstrap,
        adminPerson,
        consoleUrl: consoleUrl(issuer),
        tokenDeps,
        repositories,
        passwordKdf: kdf,
        dynamoDb: dynamo,
        tableName: LOCAL_TABLE_NAME,
        stop: stopAll,
      };
    } catch (err) {
      rejectRoutes(err);
      throw err;
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The bootstrap admin client's credentials: fixed by the environment, else kept in
 * `<dataDir>/bootstrap.json` (mode 0600), else generated now.
 */
async function bootstrapAdmin(
  config: LocalConfig,
  issuer: string,
  deps: Parameters<typeof ensureBootstrap>[0],
): Promise<BootstrapCredentials> {
  const file = config.dataDir === undefined ? undefined : path.join(config.dataDir, BOOTSTRAP_FILE);
  let credentials: { clientId: string; clientSecret: string } | undefined;
  if (config.bootstrapClientId !== undefined && config.bootstrapClientSecret !== undefined) {
    credentials = { clientId: config.bootstrapClientId, clientSecret: config.bootstrapClientSecret };
  } else if (file !== undefined) {
    credentials = await readCredentials(file);
  }
  credentials ??= { clientId: deps.ids.clientId(), clientSecret: deps.ids.clientSecret() };

  const result = await ensureBootstrap(deps, { issuer, ...credentials });
  const created = result.createdClient || result.registeredSecret;
  if (file !== undefined && (created || (await readCredentials(file)) === undefined)) {
    const body = JSON.stringify(
      { ...credentials, audience: adminAudience(issuer), tokenEndpoint: `${issuer}${TOKEN_PATH}` },
      null,
      2,
    );
    await writeFile(`${file}.tmp`, `${body}\n`, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }
  return { ...credentials, file, created };
}

/**
 * The first admin person: while the IdP has no user, `admin` with `IDP_BOOTSTRAP_ADMIN_PASSWORD` or a
 * generated password (192 random bits, base64url), which is then written to
 * `<dataDir>/admin-password` (0600, atomically) and returned once for the banner.
 */
async function firstAdminPerson(config: LocalConfig, issuer: string, deps: FirstAdminDeps): Promise<AdminPerson> {
  const file = config.dataDir === undefined ? undefined : path.join(config.dataDir, ADMIN_PASSWORD_FILE);
  const fixed = config.bootstrapAdminPassword;
  const password = fixed ?? randomBytes(24).toString('base64url');
  const result = await ensureFirstAdminPerson(deps, { issuer, password });
  const person: AdminPerson = { username: FIRST_ADMIN_USERNAME, created: result.created, fixed: fixed !== undefined };
  if (result.created && fixed === undefined) {
    person.password = password;
    if (file !== undefined) {
      await writeFile(`${file}.tmp`, `${password}\n`, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    }
  }
  if (file !== undefined && (await exists(file))) person.file = file;
  return person;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function readCredentials(file: string): Promise<{ clientId: string; clientSecret: string } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { clientId?: unknown; clientSecret?: unknown };
    if (typeof parsed.clientId === 'string' && typeof parsed.clientSecret === 'string') {
      return { clientId: parsed.clientId, clientSecret: parsed.clientSecret };
    }
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
