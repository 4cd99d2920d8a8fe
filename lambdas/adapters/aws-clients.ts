/**
 * The SDK clients adapters build when they are given none (docs/architecture.md, Style rules, 3): each
 * adapter takes `{ client? }`, as Powertools' utilities do, and without one uses its SDK's shared default,
 * made on first use with {@link DEFAULT_SDK_CLIENT_CONFIG} and reused by every adapter of that SDK in the
 * function, so one cold start builds one client per SDK. Tests and the local runtime pass their own.
 *
 * This module imports no SDK: each SDK's default lives beside its adapter
 * (`defaultSecretsManagerClient` in secrets-manager-pepper.ts, `defaultKmsClient` in kms-token-signer.ts,
 * `defaultDynamoDbDocumentClient` in dynamodb-setup.ts), so a bundle carries only the SDKs it uses.
 */

/**
 * Options of every default SDK client: at most 3 attempts (the SDK's standard retry strategy, which backs
 * off and retries throttles, 5xx and network errors); everything else is the SDK's own default (region
 * and credentials from the Lambda environment). The authorizer's token status read has its own, shorter
 * budget (token-status-source.ts).
 */
export const DEFAULT_SDK_CLIENT_CONFIG = { maxAttempts: 3 } as const;

/** A client made on the first call and returned by every later one: one per SDK per cold start. */
export function sharedClient<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}
