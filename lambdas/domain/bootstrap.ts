/**
 * Bootstrap (docs/contract.md, Admin API › Bootstrap): the built-in admin API `<issuer>/admin` with scopes
 * `admin:read` and `admin:write` and `userAccess: "granted"` (a person holds admin scopes only by their
 * own grants), a bootstrap admin client holding a rule for both, and two built-in public clients with
 * a user rule for both: `idp-cli` of `idp login` (a native app, RFC 8252) and `idp-console` of the
 * admin console at `<issuer>/console/` (a browser app on the issuer's origin). Idempotent: run at every
 * local start and by the deploy-time custom resource on AWS; it also repairs the `userAccess` of an
 * admin API created before people existed, and the parts of the built-in clients their apps rely on.
 */
import { ConflictError } from './errors';
import type { Api, Client, ClientBundle, ClientSecret, GrantType, Rule } from './model';
import type { ApiRepository, ClientRepository, Clock, RegistrationIds, SecretHasher } from './ports';

export const ADMIN_READ = 'admin:read';
export const ADMIN_WRITE = 'admin:write';

/** Scopes of the built-in admin API. */
export const ADMIN_SCOPES: Api['scopes'] = [
  { value: ADMIN_READ, description: 'Read clients, APIs, rules, secrets metadata and the audit trail' },
  { value: ADMIN_WRITE, description: 'Create, change and delete clients, APIs, rules and secrets' },
];

/** The audience of admin API tokens. */
export function adminAudience(issuer: string): string {
  return `${issuer}/admin`;
}

/** The admin API's `userAccess`: a user's own grants limit what a console may request for them. */
export const ADMIN_USER_ACCESS = 'granted' as const;

/** What bootstrap needs of the API repository; it writes without audit events (no acting admin). */
export type BootstrapApis = Pick<ApiRepository, 'getApi' | 'createApi' | 'updateApi'>;

/** What bootstrap needs of the client repository; it writes without audit events (no acting admin). */
export type BootstrapClients = Pick<
  ClientRepository,
  'loadClientBundle' | 'createClient' | 'putSecret' | 'deleteSecret' | 'updateClient' | 'putRule'
>;

/** The client id of the `idp` CLI, a public native client (RFC 8252). */
export const CLI_CLIENT_ID = 'idp-cli';

/**
 * The CLI's redirect URI: an http loopback IP literal registered without a port; authorize accepts it
 * with any port (RFC 8252 §7.3), the one `idp login` listens on.
 */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

/** The scopes the CLI's user rule grants on the admin API (a person gets only what their grants allow). */
export const CLI_ADMIN_SCOPES: readonly string[] = [ADMIN_READ, ADMIN_WRITE];

/** The client id of the admin console, a public browser client on the issuer's origin. */
export const CONSOLE_CLIENT_ID = 'idp-console';

/** The admin console's URL (served on the issuer's origin), also its post-logout redirect URI. */
export function consoleUrl(issuer: string): string {
  return `${issuer}/console/`;
}

/** The console's redirect URI, registered and compared exactly. */
export function consoleRedirectUri(issuer: string): string {
  return `${issuer}/console/callback`;
}

/** The issuer's origin (RFC 6454), the console's only allowed origin (CORS at the token endpoint). */
export function issuerOrigin(issuer: string): string {
  return new URL(issuer).origin;
}

/** The built-in clients with a user rule on the admin API: `idp-cli`, `idp-console`. */
export const BUILT_IN_CLIENT_IDS: readonly string[] = [CLI_CLIENT_ID, CONSOLE_CLIENT_ID];

/** The repositories bootstrap writes to. */
export interface BootstrapRepositories {
  apis: BootstrapApis;
  clients: BootstrapClients;
}

/**
 * Secret ids of the secrets bootstrap registers. Its credentials have one source (Secrets Manager on
 * AWS, the environment or the data folder locally), so a new value there replaces the previous one:
 * the bootstrap secrets registered before are revoked, secrets an admin added through the API are not.
 */
export const BOOTSTRAP_SECRET_ID_PREFIX = 'sec_bootstrap_';

export interface BootstrapInput {
  issuer: string;
  clientId: string;
  /** The bootstrap client's secret; registered if the client does not hold it yet. */
  clientSecret: string;
}

export interface BootstrapResult {
  createdApi: boolean;
  createdClient: boolean;
  /** True when the secret was registered now (new client, or a new fixed secret for an existing one). */
  registeredSecret: boolean;
  /** What happened to the built-in CLI client `idp-cli`. */
  cliClient: BuiltInClientOutcome;
  /** What happened to the built-in console client `idp-console`. */
  consoleClient: BuiltInClientOutcome;
}

/** What bootstrap did to a built-in client. */
export type BuiltInClientOutcome = 'created' | 'repaired' | 'unchanged';

export interface BootstrapDeps extends BootstrapRepositories {
  hasher: SecretHasher;
  clock: Clock;
  ids: RegistrationIds;
}

/** Ensures the admin API, the bootstrap admin client and the built-in clients (see the module comment). */
export async function ensureBootstrap(deps: BootstrapDeps, input: BootstrapInput): Promise<BootstrapResult> {
  const admin = await ensureAdmin(deps, input);
  const cliClient = await ensureBuiltInClient(deps, input.issuer, cliClientSpec());
  const consoleClient = await ensureBuiltInClient(deps, input.issuer, consoleClientSpec(input.issuer));
  return { ...admin, cliClient, consoleClient };
}

async function ensureAdmin(
  deps: BootstrapDeps,
  input: BootstrapInput,
): Promise<Omit<BootstrapResult, 'cliClient' | 'consoleClient'>> {
  const { apis, clients, hasher, clock, ids } = deps;
  const now = new Date(clock.now()).toISOString();
  const audience = adminAudience(input.issuer);

  let createdApi = false;
  const api = await apis.getApi(audience);
  if (api === undefined) {
    createdApi = await ignoreConflict(
      apis.createApi({
        identifier: audience,
        name: 'Admin API',
        scopes: ADMIN_SCOPES,
        userAccess: ADMIN_USER_ACCESS,
        createdAt: now,
        updatedAt: now,
        version: 1,
      }),
    );
  } else if (api.userAccess !== ADMIN_USER_ACCESS) {
    // An admin API from before people: set the field (and its user rules' snapshots) once. A
    // concurrent bootstrap that wins the versioned write has done the same.
    await ignoreConflict(
      apis.updateApi({ ...api, userAccess: ADMIN_USER_ACCESS, updatedAt: now, version: api.version + 1 }, api.version),
    );
  }

  const secret: ClientSecret = {
    secretId: `${BOOTSTRAP_SECRET_ID_PREFIX}${ids.secretId().replace(/^sec_/, '')}`,
    hash: hasher.hash(input.clientSecret),
    createdAt: now,
  };
  const existing = await clients.loadClientBundle(input.clientId);
  if (existing === undefined) {
    const rule: Rule = { audience, scopes: [ADMIN_READ, ADMIN_WRITE], createdAt: now };
    const createdClient = await ignoreConflict(
      clients.createClient({
        client: {
          clientId: input.clientId,
          name: 'Bootstrap admin',
          description: 'Created at bootstrap; holds admin:read and admin:write on the admin API',
          status: 'enabled',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'client_secret_basic',
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
        secrets: [secret],
        rules: [rule],
      }),
    );
    return { createdApi, createdClient, registeredSecret: createdClient };
  }
  const current = existing.secrets.find((s) => hasher.equal(s.hash, secret.hash));
  if (current === undefined) await clients.putSecret(input.clientId, secret);
  // The previous bootstrap secret is replaced, not kept: rotating the source cuts a leaked value off.
  // Also when the current one was registered by an earlier run that failed before this step, so a
  // retried deployment finishes the rotation.
  const kept = current?.secretId ?? secret.secretId;
  for (const old of existing.secrets) {
    if (old.secretId !== kept && old.secretId.startsWith(BOOTSTRAP_SECRET_ID_PREFIX)) {
      await clients.deleteSecret(input.clientId, old.secretId);
    }
  }
  return { createdApi, createdClient: false, registeredSecret: current === undefined };
}

/** A built-in client's user rule on the admin API, with the API's snapshots (as the admin API's rules carry them). */
function builtInRule(api: Api, scopes: readonly string[], createdAt: string): Rule {
  const rule: Rule = { audience: api.identifier, scopes: [...scopes], subjectType: 'user', createdAt };
  if (api.accessTokenTtl !== undefined) rule.apiAccessTokenTtl = api.accessTokenTtl;
  if (api.tokenReuse !== undefined) rule.apiTokenReuse = api.tokenReuse;
  if (api.userAccess !== undefined) rule.apiUserAccess = api.userAccess;
  return rule;
}

/**
 * What `idp login` needs of a stored `idp-cli`, as repairs to make: the `authorization_code` grant
 * (never `client_credentials`: it is public), `tokenEndpointAuthMethod: none`, the loopback redirect
 * URI. Its status, name and the rest are the admins' (disabling it switches CLI sign-in off).
 */
export function cliClientRepairs(client: Client): Partial<Client> {
  const repairs: Partial<Client> = {};
  if (!client.grantTypes.includes('authorization_code') || client.grantTypes.includes('client_credentials')) {
    const kept: GrantType[] = client.grantTypes.includes('refresh_token') ? ['refresh_token'] : [];
    repairs.grantTypes = ['authorization_code', ...kept];
  }
  if (client.tokenEndpointAuthMethod !== 'none') repairs.tokenEndpointAuthMethod = 'none';
  if (!(client.redirectUris ?? []).includes(CLI_REDIRECT_URI)) {
    repairs.redirectUris = [CLI_REDIRECT_URI, ...(client.redirectUris ?? [])];
  }
  return repairs;
}

/**
 * What the console needs of a stored `idp-console`, as repairs to make: the `authorization_code` grant
 * (never `client_credentials`: it is public), `tokenEndpointAuthMethod: none`, exactly the console's
 * redirect URI (it receives admin codes without consent: no other URI may), the console URL among the
 * post-logout redirect URIs and the issuer's origin among the allowed origins. Its status, name,
 * `requireConsent` and the rest are the admins'.
 */
export function consoleClientRepairs(client: Client, issuer: string): Partial<Client> {
  const repairs: Partial<Client> = {};
  if (!client.grantTypes.includes('authorization_code') || client.grantTypes.includes('client_credentials')) {
    const kept: GrantType[] = client.grantTypes.includes('refresh_token') ? ['refresh_token'] : [];
    repairs.grantTypes = ['authorization_code', ...kept];
  }
  if (client.tokenEndpointAuthMethod !== 'none') repairs.tokenEndpointAuthMethod = 'none';
  const redirect = consoleRedirectUri(issuer);
  if ((client.redirectUris ?? []).length !== 1 || client.redirectUris?.[0] !== redirect) {
    repairs.redirectUris = [redirect];
  }
  if (!(client.postLogoutRedirectUris ?? []).includes(consoleUrl(issuer))) {
    repairs.postLogoutRedirectUris = [consoleUrl(issuer), ...(client.postLogoutRedirectUris ?? [])];
  }
  if (!(client.allowedOrigins ?? []).includes(issuerOrigin(issuer))) {
    repairs.allowedOrigins = [issuerOrigin(issuer), ...(client.allowedOrigins ?? [])];
  }
  return repairs;
}

/** Whether a client's user rule on the admin API still lets its app ask for both admin scopes. */
export function builtInRuleIntact(bundle: Pick<ClientBundle, 'rules'>, audience: string): boolean {
  const rule = bundle.rules.find((r) => r.audience === audience && r.subjectType === 'user');
  return rule !== undefined && CLI_ADMIN_SCOPES.every((s) => rule.scopes.includes(s));
}

/** A built-in client: how it is created, and what an existing one gets back. */
interface BuiltInClientSpec {
  clientId: string;
  /** The client as first created (without times and version). */
  create: Omit<Client, 'createdAt' | 'updatedAt' | 'version'>;
  repairs(client: Client): Partial<Client>;
}

function cliClientSpec(): BuiltInClientSpec {
  return {
    clientId: CLI_CLIENT_ID,
    create: {
      clientId: CLI_CLIENT_ID,
      name: 'idp CLI',
      description: 'Built in: `idp login` signs people in with it (public native client, RFC 8252)',
      status: 'enabled',
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [CLI_REDIRECT_URI],
    },
    repairs: cliClientRepairs,
  };
}

function consoleClientSpec(issuer: string): BuiltInClientSpec {
  return {
    clientId: CONSOLE_CLIENT_ID,
    create: {
      clientId: CONSOLE_CLIENT_ID,
      name: 'Admin console',
      description: `Built in: the admin console at ${consoleUrl(issuer)} signs people in with it (public browser client)`,
      status: 'enabled',
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [consoleRedirectUri(issuer)],
      postLogoutRedirectUris: [consoleUrl(issuer)],
      allowedOrigins: [issuerOrigin(issuer)],
      requireConsent: false,
    },
    repairs: (client) => consoleClientRepairs(client, issuer),
  };
}

/**
 * A built-in public client (docs/contract.md, Admin API › Bootstrap): created when missing; an
 * existing one gets back what its spec's repairs list and a user rule on the admin API for both admin
 * scopes (its snapshot of the API's `userAccess` kept in step). Writes no audit events; a concurrent
 * bootstrap's write (a ConflictError) counts as done.
 */
async function ensureBuiltInClient(
  deps: BootstrapDeps,
  issuer: string,
  spec: BuiltInClientSpec,
): Promise<BuiltInClientOutcome> {
  const { apis, clients, clock } = deps;
  const now = new Date(clock.now()).toISOString();
  const audience = adminAudience(issuer);
  const api = await apis.getApi(audience);
  // Only when a concurrent bootstrap's creation of the API is not visible yet: the next run adds it.
  if (api === undefined) return 'unchanged';
  const existing = await clients.loadClientBundle(spec.clientId);
  if (existing === undefined) {
    const created = await ignoreConflict(
      clients.createClient({
        client: { ...spec.create, createdAt: now, updatedAt: now, version: 1 },
        secrets: [],
        rules: [builtInRule(api, CLI_ADMIN_SCOPES, now)],
      }),
    );
    return created ? 'created' : 'unchanged';
  }
  let repaired = false;
  const repairs = spec.repairs(existing.client);
  if (Object.keys(repairs).length > 0) {
    const { client } = existing;
    const next: Client = { ...client, ...repairs, updatedAt: now, version: client.version + 1 };
    repaired = (await ignoreConflict(clients.updateClient(next, client.version))) || repaired;
  }
  const rule = existing.rules.find((r) => r.audience === audience && r.subjectType === 'user');
  if (!builtInRuleIntact(existing, audience) || rule?.apiUserAccess !== api.userAccess) {
    const scopes = [...new Set([...(rule?.scopes ?? []), ...CLI_ADMIN_SCOPES])];
    const next = builtInRule(api, scopes, rule?.createdAt ?? now);
    if (rule?.claims !== undefined) next.claims = rule.claims;
    repaired = (await ignoreConflict(clients.putRule(spec.clientId, next, api.version))) || repaired;
  }
  return repaired ? 'repaired' : 'unchanged';
}

/** A concurrent bootstrap won the race: the item exists, which is what we wanted. */
async function ignoreConflict(write: Promise<void>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}
