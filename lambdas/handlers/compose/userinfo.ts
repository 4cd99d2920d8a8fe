/**
 * Composition of the userinfo function (`GET|POST /oauth2/userinfo`, ../userinfo-handler.ts). It
 * verifies access tokens against the issuer's JWKS fetched over https (`<issuer>/.well-known/jwks.json`,
 * cached per container, or preloaded from `IDP_JWKS`), as the Lambda authorizer does — never with
 * `kms:GetPublicKey` — and reads users and the deny-list from the table. Variables: ./environment.ts
 * (`IDP_ISSUER`, `IDP_TABLE_NAME`, optional `IDP_JWKS`).
 */
import type { JwksInput } from '../../adapters/access-token-verifier';
import { AccessTokenVerifier } from '../../adapters/access-token-verifier';
import { makeDynamoDbRepositories } from '../../adapters/dynamodb-repositories';
import type { UserinfoDeps } from '../../domain/endpoints/userinfo-endpoint';
import { userinfoAudience } from '../../domain/grants/authorization-code-grant';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import type { EnvironmentVariables } from './environment';
import { env, functionEnvironment, optionalEnv, requireIssuer } from './environment';
import { httpEntry } from './http-entry';
import type { SdkClients } from './sdk-clients';
import { awsLogger } from './observability';

/** Dependencies of the userinfo function, once per cold start; `sdk` replaces the shared SDK clients (tests). */
export async function composeUserinfoDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<UserinfoDeps> {
  const issuer = requireIssuer(vars);
  const jwksJson = optionalEnv(vars, 'IDP_JWKS');
  let jwks: JwksInput | undefined;
  if (jwksJson !== undefined) {
    try {
      jwks = JSON.parse(jwksJson) as JwksInput;
    } catch {
      throw new Error('IDP_JWKS is not JSON');
    }
  }
  const { users, revocations } = makeDynamoDbRepositories({
    client: sdk.dynamodb,
    tableName: env(vars, 'IDP_TABLE_NAME'),
  });
  return {
    issuer,
    // RFC 9068 §4 checks, aud = <issuer>/oauth2/userinfo, sub any (a user's id).
    verifier: new AccessTokenVerifier({ issuer, audience: userinfoAudience(issuer), subject: 'any', jwks }),
    users,
    revocations,
    logger: awsLogger(),
  };
}

/** The userinfo function's Lambda entry: {@link composeUserinfoDeps} under the origin check (./http-entry.ts). */
export function userinfoEntry(
  make: (deps: UserinfoDeps) => HttpApiHandler,
  unavailable: () => HttpApiResult,
): HttpApiHandler {
  return httpEntry({ name: 'userinfo', vars: functionEnvironment(), compose: composeUserinfoDeps, make, unavailable });
}
