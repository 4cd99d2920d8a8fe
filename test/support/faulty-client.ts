/**
 * Faults injected at the SDK client, under a real adapter: {@link faultyClient} wraps a working SDK v3
 * client (DynamoDB document client, KMS, Secrets Manager) so that its `send` throws the SDK's own
 * errors on the calls a plan names, and runs hooks before chosen calls (to interleave two writes
 * deterministically). {@link sdkFaults} holds those errors as the SDK raises them after its retries:
 * modeled exception classes with `$fault` and `$metadata` (the status the service answered), or a
 * network error without an answer (`TimeoutError`, `ECONNRESET`, with `$metadata` but no status).
 *
 * Everything above the client is the production code: the adapter translates (lambdas/adapters/
 * aws-errors.ts), the endpoint answers. Shared by the fault tests of every endpoint (token, discovery,
 * admin, bootstrap; sign-in and revocation reuse it: build the adapter over `faultyClient(real)`).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException as TableNotFoundException,
  ThrottlingException as DynamoThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DependencyTimeoutException,
  DisabledException,
  KeyUnavailableException,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import {
  DecryptionFailure,
  InternalServiceError,
  ResourceNotFoundException as SecretNotFoundException,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';

/** What the SDK's retry strategy leaves on an error: the answer's status (if any) and the attempts made. */
function metadata(httpStatusCode: number | undefined) {
  return {
    ...(httpStatusCode === undefined ? {} : { httpStatusCode }),
    requestId: 'fault-injected',
    attempts: 3,
    totalRetryDelay: 150,
  };
}

/**
 * A request that got no answer, as @smithy/node-http-handler raises it (a socket error with code
 * ECONNRESET / EPIPE / ETIMEDOUT renamed `TimeoutError`) and the retry middleware decorates it
 * (`$metadata` without `httpStatusCode`).
 */
function noAnswer(code: 'ECONNRESET' | 'ETIMEDOUT', message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError', code, $metadata: metadata(undefined) });
}

/** The generic service error of an SDK for a code it does not model (such as `AccessDeniedException`). */
function unmodeled<E extends Error>(
  Base: new (options: { name: string; $fault: 'client' | 'server'; $metadata: object; message: string }) => E,
  name: string,
  status: number,
  message: string,
): E {
  return new Base({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: metadata(status), message });
}

/** One injectable fault: its name (for test titles) and a fresh SDK error per call. */
export interface SdkFault {
  name: string;
  /** Whether retrying may fix it (the adapters' 503); else a refusal (500). */
  transient: boolean;
  error(): Error;
}

const fault = (name: string, transient: boolean, error: () => Error): SdkFault => ({ name, transient, error });

/** SDK errors of each service, transient (→ 503) and refusals (→ 500). */
export const sdkFaults = {
  dynamodb: {
    provisionedThroughputExceeded: fault(
      'ProvisionedThroughputExceededException',
      true,
      () =>
        new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded.',
          $metadata: metadata(400),
        }),
    ),
    throttling: fault(
      'ThrottlingException',
      true,
      () =>
        new DynamoThrottlingException({
          message: 'Rate of requests exceeds the allowed throughput.',
          $metadata: metadata(400),
        }),
    ),
    internal: fault(
      'InternalServerError',
      true,
      () => new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) }),
    ),
    /** A transaction cancelled because one of its items was throttled (DynamoDB API Reference, TransactWriteItems). */
    transactionThrottled: fault(
      'TransactionCanceledException [ThrottlingError]',
      true,
      () =>
        new TransactionCanceledException({
          message:
            'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]',
          CancellationReasons: [
            { Code: 'None' },
            {
              Code: 'ThrottlingError',
              Message: 'Throughput exceeds the current capacity for one or more global secondary indexes.',
            },
          ],
          $metadata: metadata(400),
        }),
    ),
    timeout: fault('TimeoutError (ETIMEDOUT)', true, () => noAnswer('ETIMEDOUT', 'connect ETIMEDOUT 52.94.0.1:443')),
    reset: fault('TimeoutError (ECONNRESET)', true, () => noAnswer('ECONNRESET', 'socket hang up')),
    accessDenied: fault('AccessDeniedException', false, () =>
      unmodeled(
        DynamoDBServiceException,
        'AccessDeniedException',
        400,
        'User: arn:aws:sts::111111111111:assumed-role/fn is not authorized to perform: dynamodb:Query',
      ),
    ),
    tableMissing: fault(
      'ResourceNotFoundException',
      false,
      () => new TableNotFoundException({ message: 'Requested resource not found', $metadata: metadata(400) }),
    ),
    /** Not a fault of the service: a condition, which adapters translate to ConflictError. */
    conditionFailed: fault(
      'ConditionalCheckFailedException',
      false,
      () =>
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata(400) }),
    ),
  },
  kms: {
    throttling: fault('ThrottlingException', true, () =>
      unmodeled(KMSServiceException, 'ThrottlingException', 400, 'Rate exceeded'),
    ),
    internal: fault(
      'KMSInternalException',
      true,
      () =>
        new KMSInternalException({
          message: 'The request was rejected because an internal exception occurred.',
          $metadata: metadata(500),
        }),
    ),
    dependencyTimeout: fault(
      'DependencyTimeoutException',
      true,
      () =>
        new DependencyTimeoutException({
          message: 'The system timed out while trying to fulfill the request.',
          $metadata: metadata(503),
        }),
    ),
    keyUnavailable: fault(
      'KeyUnavailableException',
      true,
      () =>
        new KeyUnavailableException({
          message: 'The request was rejected because the specified KMS key was not available.',
          $metadata: metadata(500),
        }),
    ),
    timeout: fault('TimeoutError (ECONNRESET)', true, () => noAnswer('ECONNRESET', 'socket hang up')),
    accessDenied: fault('AccessDeniedException', false, () =>
      unmodeled(
        KMSServiceException,
        'AccessDeniedException',
        400,
        'User: arn:aws:sts::111111111111:assumed-role/fn is not authorized to perform: kms:Sign',
      ),
    ),
    disabled: fault(
      'DisabledException',
      false,
      () =>
        new DisabledException({
          message: 'arn:aws:kms:eu-west-1:111111111111:key/k is disabled.',
          $metadata: metadata(400),
        }),
    ),
    invalidState: fault(
      'KMSInvalidStateException',
      false,
      () =>
        new KMSInvalidStateException({
          message: 'arn:aws:kms:eu-west-1:111111111111:key/k is pending deletion.',
          $metadata: metadata(400),
        }),
    ),
  },
  secretsManager: {
    internal: fault(
      'InternalServiceError',
      true,
      () => new InternalServiceError({ message: 'An error occurred on the server side.', $metadata: metadata(500) }),
    ),
    throttling: fault('ThrottlingException', true, () =>
      unmodeled(SecretsManagerServiceException, 'ThrottlingException', 400, 'Rate exceeded'),
    ),
    timeout: fault('TimeoutError (ETIMEDOUT)', true, () => noAnswer('ETIMEDOUT', 'connect ETIMEDOUT 52.94.0.2:443')),
    reset: fault('TimeoutError (ECONNRESET)', true, () => noAnswer('ECONNRESET', 'socket hang up')),
    accessDenied: fault('AccessDeniedException', false, () =>
      unmodeled(
        SecretsManagerServiceException,
        'AccessDeniedException',
        400,
        'User: arn:aws:sts::111111111111:assumed-role/fn is not authorized to perform: secretsmanager:GetSecretValue',
      ),
    ),
    notFound: fault(
      'ResourceNotFoundException',
      false,
      () =>
        new SecretNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: metadata(400),
        }),
    ),
    decryptionFailure: fault(
      'DecryptionFailure',
      false,
      () => new DecryptionFailure({ message: 'Access to KMS is not allowed', $metadata: metadata(400) }),
    ),
  },
} as const;

/** Which calls a fault or hook applies to. */
export interface CallMatch {
  /** Command class names (`QueryCommand`, `TransactWriteCommand`, `SignCommand`, …); every call when absent. */
  commands?: readonly string[];
  /** Matching calls to let through first. @default 0 */
  skip?: number;
}

/** A planned fault. */
export interface PlannedFault extends CallMatch {
  fault: SdkFault;
  /** Matching calls that fail (after `skip`). @default 1 */
  times?: number;
  /**
   * `before` (default): the call fails before anything is sent. `after`: it reaches the service and
   * its answer is lost (the write may have landed: what a timeout after commit looks like).
   */
  when?: 'before' | 'after';
}

/** A hook run once, before a matching call is sent (the call then proceeds). */
export interface PlannedHook extends CallMatch {
  run(): Promise<unknown>;
}

/** A client with faults and hooks planned on its `send`. */
export interface FaultyClient<C> {
  /** The wrapped client: pass it to the adapter. */
  client: C;
  /** Calls seen, by command name (failed ones included). */
  calls: Record<string, number>;
  /** Faults thrown, by command name. */
  injected: Record<string, number>;
  /** Plans a fault. */
  fail(planned: PlannedFault): void;
  /** Plans a hook. */
  before(planned: PlannedHook): void;
  /** Drops every plan and the counts. */
  reset(): void;
}

interface Sendable {
  send(command: object, ...rest: unknown[]): Promise<unknown>;
}

interface Armed {
  match: CallMatch;
  seen: number;
}

function matches(armed: Armed, command: string): boolean {
  return armed.match.commands === undefined || armed.match.commands.includes(command);
}

/**
 * Wraps `real` (its other members pass through) so that `send` follows the plans: each plan counts the
 * calls it matches; a fault throws on the matching calls after `skip`, `times` times; a hook runs once
 * before its matching call. Plans apply in the order made.
 */
export function faultyClient<C extends Sendable>(real: C, plans: PlannedFault[] = []): FaultyClient<C> {
  const calls: Record<string, number> = {};
  const injected: Record<string, number> = {};
  let faults: (Armed & { planned: PlannedFault; thrown: number })[] = [];
  let hooks: (Armed & { planned: PlannedHook; done: boolean })[] = [];

  const send = async (command: object, ...rest: unknown[]): Promise<unknown> => {
    const name = command.constructor.name;
    calls[name] = (calls[name] ?? 0) + 1;
    for (const hook of hooks) {
      if (hook.done || !matches(hook, name)) continue;
      hook.seen += 1;
      if (hook.seen > (hook.match.skip ?? 0)) {
        hook.done = true;
        await hook.planned.run();
      }
    }
    let due: PlannedFault | undefined;
    for (const armed of faults) {
      if (!matches(armed, name)) continue;
      armed.seen += 1;
      if (due === undefined && armed.seen > (armed.match.skip ?? 0) && armed.thrown < (armed.planned.times ?? 1)) {
        armed.thrown += 1;
        due = armed.planned;
      }
    }
    if (due === undefined) return real.send(command, ...rest);
    injected[name] = (injected[name] ?? 0) + 1;
    if (due.when === 'after') await real.send(command, ...rest);
    throw due.fault.error();
  };

  const client = new Proxy(real, {
    get(target, property, receiver) {
      if (property === 'send') return send;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const api: FaultyClient<C> = {
    client,
    calls,
    injected,
    fail: (planned) => {
      faults.push({ match: planned, planned, seen: 0, thrown: 0 });
    },
    before: (planned) => {
      hooks.push({ match: planned, planned, seen: 0, done: false });
    },
    reset: () => {
      faults = [];
      hooks = [];
      for (const record of [calls, injected]) for (const key of Object.keys(record)) delete record[key];
    },
  };
  plans.forEach(api.fail);
  return api;
}
