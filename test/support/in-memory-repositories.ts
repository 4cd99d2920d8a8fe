/**
 * In-memory fakes of the repository slices the token path and bootstrap use (lambdas/domain/ports.ts):
 * {@link InMemoryClients} and {@link InMemoryApis} over one {@link InMemoryTokenTable}, which copies
 * in and out, counts calls, conflicts like the DynamoDB adapters' conditional writes, and can fail its
 * next N calls as the adapters would (a {@link DependencyUnavailableError}, throttled or not) or throw
 * anything else. The admin API's full repositories are in in-memory-admin-repositories.ts.
 */
import type { BootstrapApis, BootstrapClients } from '../../lambdas/domain/bootstrap';
import { ConflictError, DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { Api, Client, ClientBundle, ClientSecret, Rule } from '../../lambdas/domain/model';
import { ruleSubjectType } from '../../lambdas/domain/model';

const copy = <T>(value: T): T => structuredClone(value);

/** Repository methods the in-memory table counts (the token path's and bootstrap's). */
export type StoreMethod =
  | 'loadClientBundle'
  | 'apiExists'
  | 'getApi'
  | 'createApi'
  | 'updateApi'
  | 'createClient'
  | 'putSecret'
  | 'deleteSecret'
  | 'updateClient'
  | 'putRule';

export const STORE_METHODS: readonly StoreMethod[] = [
  'loadClientBundle',
  'apiExists',
  'getApi',
  'createApi',
  'updateApi',
  'createClient',
  'putSecret',
  'deleteSecret',
  'updateClient',
  'putRule',
];

/** Methods only bootstrap calls, counted once called. */
type BootstrapOnly = 'getApi' | 'updateApi' | 'updateClient' | 'putRule';

interface PlannedFailure {
  methods: readonly StoreMethod[];
  error: () => unknown;
}

/** Options of {@link InMemoryTokenTable.failNext}. */
export interface FailureOptions<M extends string> {
  /** A throttle (DynamoDB `ProvisionedThroughputExceededException`, KMS `ThrottlingException`). */
  throttled?: boolean;
  /** Only calls of these methods fail (and count down); all methods when absent. */
  only?: readonly M[];
}

/** The SDK error an adapter would have translated, as the `cause` of the dependency error. */
export function sdkCause(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * The state behind {@link InMemoryClients} and {@link InMemoryApis}: APIs and client bundles, calls
 * per method, planned failures, and seeding that bypasses both.
 */
export class InMemoryTokenTable {
  readonly apis = new Map<string, Api>();
  readonly bundles = new Map<string, ClientBundle>();
  /**
   * Calls per method (failed calls included: a round trip was attempted). Bootstrap's `getApi`,
   * `updateApi`, `updateClient` and `putRule` appear once called, so the token path's counts read as
   * they always did.
   */
  readonly calls: Record<Exclude<StoreMethod, BootstrapOnly>, number> & Partial<Record<BootstrapOnly, number>> = {
    loadClientBundle: 0,
    apiExists: 0,
    createApi: 0,
    createClient: 0,
    putSecret: 0,
    deleteSecret: 0,
  };
  private readonly planned: PlannedFailure[] = [];

  /**
   * The next `count` calls (of `options.only`, or of any method) fail as the adapter reports a
   * throttled or failing DynamoDB: a {@link DependencyUnavailableError} for `store`.
   */
  failNext(count: number, options: FailureOptions<StoreMethod> = {}): void {
    const throttled = options.throttled ?? false;
    const error = () =>
      new DependencyUnavailableError(
        'store',
        throttled
          ? sdkCause(
              'ProvisionedThroughputExceededException',
              'The level of configured provisioned throughput was exceeded',
            )
          : sdkCause('InternalServerError', 'Internal server error'),
        throttled,
      );
    for (let i = 0; i < count; i += 1) this.planned.push({ methods: options.only ?? STORE_METHODS, error });
  }

  /** The next call (of `only`, or of any method) throws `error` as is: an unexpected failure. */
  throwNext(error: unknown, only: readonly StoreMethod[] = STORE_METHODS): void {
    this.planned.push({ methods: only, error: () => error });
  }

  /** Calls over all methods. */
  totalCalls(): number {
    return STORE_METHODS.reduce((sum, m) => sum + (this.calls[m] ?? 0), 0);
  }

  resetCalls(): void {
    for (const m of STORE_METHODS) if (this.calls[m] !== undefined) this.calls[m] = 0;
  }

  /** Counts a call of `method` and throws the failure planned for it, if any. */
  enter(method: StoreMethod): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    const index = this.planned.findIndex((p) => p.methods.includes(method));
    if (index >= 0) {
      const [failure] = this.planned.splice(index, 1);
      throw failure!.error();
    }
  }

  // ---- seeding (no call counted, no failure injected) ----

  seedApi(api: Api): void {
    this.apis.set(api.identifier, copy(api));
  }

  seedClient(bundle: ClientBundle): void {
    this.bundles.set(bundle.client.clientId, copy(bundle));
  }

  /** Changes a stored client in place (e.g. disable it between two requests). */
  updateClient(clientId: string, change: (bundle: ClientBundle) => void): void {
    const bundle = this.bundles.get(clientId);
    if (bundle === undefined) throw new Error(`no client ${clientId}`);
    change(bundle);
  }
}

/**
 * The client repository's slice the token path and bootstrap use, in memory, with the DynamoDB
 * adapter's semantics: one strongly consistent read of a client's aggregate, creation conditional on
 * absence ({@link ConflictError}), values copied in and out.
 */
export class InMemoryClients implements BootstrapClients {
  constructor(private readonly table: InMemoryTokenTable) {}

  async loadClientBundle(clientId: string): Promise<ClientBundle | undefined> {
    this.table.enter('loadClientBundle');
    const bundle = this.table.bundles.get(clientId);
    return bundle === undefined ? undefined : copy(bundle);
  }

  async createClient(bundle: ClientBundle): Promise<void> {
    this.table.enter('createClient');
    if (this.table.bundles.has(bundle.client.clientId))
      throw new ConflictError(`client ${bundle.client.clientId} exists`);
    this.table.bundles.set(bundle.client.clientId, copy(bundle));
  }

  async putSecret(clientId: string, secret: ClientSecret): Promise<void> {
    this.table.enter('putSecret');
    const bundle = this.table.bundles.get(clientId);
    if (bundle === undefined) throw new ConflictError(`client ${clientId} does not exist`);
    if (bundle.secrets.some((s) => s.secretId === secret.secretId)) {
      throw new ConflictError(`secret ${secret.secretId} exists`);
    }
    bundle.secrets.push(copy(secret));
  }

  async deleteSecret(clientId: string, secretId: string): Promise<boolean> {
    this.table.enter('deleteSecret');
    const bundle = this.table.bundles.get(clientId);
    const before = bundle?.secrets.length ?? 0;
    if (bundle !== undefined) bundle.secrets = bundle.secrets.filter((s) => s.secretId !== secretId);
    return (bundle?.secrets.length ?? 0) < before;
  }

  /** Replaces the client at `expectedVersion` (bootstrap's repair of the CLI client). */
  async updateClient(client: Client, expectedVersion: number): Promise<void> {
    this.table.enter('updateClient');
    const bundle = this.table.bundles.get(client.clientId);
    if (bundle === undefined || bundle.client.version !== expectedVersion) {
      throw new ConflictError(`client ${client.clientId} is missing or moved on`);
    }
    bundle.client = copy(client);
  }

  /** Creates or replaces the rule for its audience and subject type, if the API is at `apiVersion`. */
  async putRule(clientId: string, rule: Rule, apiVersion: number): Promise<void> {
    this.table.enter('putRule');
    const bundle = this.table.bundles.get(clientId);
    if (bundle === undefined || this.table.apis.get(rule.audience)?.version !== apiVersion) {
      throw new ConflictError(`client ${clientId} or API ${rule.audience} is missing or moved on`);
    }
    const same = (r: Rule) => r.audience === rule.audience && ruleSubjectType(r) === ruleSubjectType(rule);
    bundle.rules = [...bundle.rules.filter((r) => !same(r)), copy(rule)];
  }
}

/** The API repository's slice the token path and bootstrap use, in memory. */
export class InMemoryApis implements BootstrapApis {
  constructor(private readonly table: InMemoryTokenTable) {}

  async apiExists(identifier: string): Promise<boolean> {
    this.table.enter('apiExists');
    return this.table.apis.has(identifier);
  }

  async getApi(identifier: string): Promise<Api | undefined> {
    this.table.enter('getApi');
    const api = this.table.apis.get(identifier);
    return api === undefined ? undefined : copy(api);
  }

  async createApi(api: Api): Promise<void> {
    this.table.enter('createApi');
    if (this.table.apis.has(api.identifier)) throw new ConflictError(`API ${api.identifier} exists`);
    this.table.apis.set(api.identifier, copy(api));
  }

  /** Replaces the API at `expectedVersion` (bootstrap's repair; the token path's bundles keep no API). */
  async updateApi(api: Api, expectedVersion: number): Promise<void> {
    this.table.enter('updateApi');
    const current = this.table.apis.get(api.identifier);
    if (current === undefined || current.version !== expectedVersion) {
      throw new ConflictError(`API ${api.identifier} is missing or moved on`);
    }
    this.table.apis.set(api.identifier, copy(api));
  }
}
