/**
 * The origin check's wiring (../origin-guard.ts): stages behind CloudFront set
 * `IDP_ORIGIN_VERIFY_SECRET_ARN`, and the function then answers only requests carrying CloudFront's
 * origin-verify header. The secret is read once per cold start with the function's shared Secrets
 * Manager client (the one the pepper is read with).
 */
import { readSecretString } from '../../adapters/secrets-manager-pepper';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import { originGuard } from '../origin-guard';
import type { EnvironmentVariables } from './environment';
import { optionalEnv } from './environment';

/**
 * `inner` behind the origin check when `IDP_ORIGIN_VERIFY_SECRET_ARN` is set; `inner` itself otherwise.
 * `onUnavailable` answers while the secret cannot be read.
 */
export function guardedByOrigin(
  inner: HttpApiHandler,
  onUnavailable: (err: unknown) => HttpApiResult,
  vars: EnvironmentVariables,
): HttpApiHandler {
  const secretId = optionalEnv(vars, 'IDP_ORIGIN_VERIFY_SECRET_ARN');
  if (secretId === undefined) return inner;
  return originGuard(inner, () => readSecretString({ secretId }), onUnavailable);
}
