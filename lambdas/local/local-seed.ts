/**
 * Seeding straight into the repositories, for tests, the benchmark and demos: what the admin API does over
 * HTTP, minus the HTTP and the audit trail. Rules carry their API's TTL and reuse snapshots exactly
 * as the admin API keeps them, so seeded clients behave like registered ones.
 */
import type { Api, JsonValue, Rule, TokenEndpointAuthMethod } from '../domain/model';
import type { ApiRepository, ClientRepository, RegistrationIds, SecretHasher } from '../domain/ports';

/** What seeding needs of the repositories (the DynamoDB ones implement it); it writes no audit events. */
export interface SeedRepositories {
  apis: Pick<ApiRepository, 'createApi' | 'getApi'>;
  clients: Pick<ClientRepository, 'createClient'>;
}

export interface SeedApiInput {
  identifier: string;
  scopes: string[];
  name?: string;
  accessTokenTtl?: number;
  tokenReuse?: boolean;
}

export async function seedApi(repositories: Pick<SeedRepositories, 'apis'>, input: SeedApiInput): Promise<Api> {
  const now = new Date().toISOString();
  const api: Api = {
    identifier: input.identifier,
    name: input.name ?? input.identifier,
    scopes: input.scopes.map((value) => ({ value })),
    ...(input.accessTokenTtl === undefined ? {} : { accessTokenTtl: input.accessTokenTtl }),
    ...(input.tokenReuse === undefined ? {} : { tokenReuse: input.tokenReuse }),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await repositories.apis.createApi(api);
  return api;
}

export interface SeedClientInput {
  rules: { audience: string; scopes: string[]; claims?: Record<string, JsonValue> }[];
  clientId?: string;
  clientSecret?: string;
  name?: string;
  method?: TokenEndpointAuthMethod;
  accessTokenTtl?: number;
  tokenReuse?: boolean;
}

/** Registers a client with one secret and its rules; returns its credentials (the secret in the clear, once). */
export async function seedClient(
  deps: SeedRepositories & { hasher: SecretHasher; ids: RegistrationIds },
  input: SeedClientInput,
): Promise<{ clientId: string; clientSecret: string }> {
  const { apis, clients, hasher, ids } = deps;
  const now = new Date().toISOString();
  const rules: Rule[] = [];
  for (const rule of input.rules) {
    const api = await apis.getApi(rule.audience);
    rules.push({
      ...rule,
      ...(api?.accessTokenTtl === undefined ? {} : { apiAccessTokenTtl: api.accessTokenTtl }),
      ...(api?.tokenReuse === undefined ? {} : { apiTokenReuse: api.tokenReuse }),
      createdAt: now,
    });
  }
  const clientId = input.clientId ?? ids.clientId();
  const clientSecret = input.clientSecret ?? ids.clientSecret();
  await clients.createClient({
    client: {
      clientId,
      name: input.name ?? `client ${clientId}`,
      status: 'enabled',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: input.method ?? 'client_secret_basic',
      ...(input.accessTokenTtl === undefined ? {} : { accessTokenTtl: input.accessTokenTtl }),
      ...(input.tokenReuse === undefined ? {} : { tokenReuse: input.tokenReuse }),
      createdAt: now,
      updatedAt: now,
      version: 1,
    },
    secrets: [{ secretId: ids.secretId(), hash: hasher.hash(clientSecret), createdAt: now }],
    rules,
  });
  return { clientId, clientSecret };
}
