/**
 * Bootstrap (docs/contract.md, Admin API): the built-in admin API `<issuer>/admin` with scopes `admin:read`
 * and `admin:write` and `userAccess: "granted"` (a person holds admin scopes only by their own grants),
 * and a bootstrap admin client holding a rule for both. Idempotent: run at every local start and by
 * the deploy-time custom resource on AWS; it also repairs the `userAccess` of an admin API created
 * before people existed.
 */
import { ConflictError } from './errors';
import type { Api, ClientSecret, Rule } from './model';
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
  'loadClientBundle' | 'createClient' | 'putSecret' | 'deleteSecret'
>;

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
}

export interface BootstrapDeps extends BootstrapRepositories {
  hasher: SecretHasher;
  clock: Clock;
  ids: RegistrationIds;
}

export async function ensureBootstrap(deps: BootstrapDeps, input: BootstrapInput): Promise<BootstrapResult> {
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
