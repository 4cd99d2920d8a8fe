/**
 * Composition of the userinfo function for AWS (beside compose.ts, whose helpers it uses). It verifies
 * access tokens against the issuer's JWKS fetched over https (`<issuer>/.well-known/jwks.json`, cached
 * per container, or preloaded from `IDP_JWKS`), as the Lambda authorizer does — never with
 * `kms:GetPublicKey` — and reads the deny-list and users from the table.
 *
 * Environment: `IDP_ISSUER`, `IDP_TABLE_NAME`, optional `IDP_JWKS` (the JWKS JSON).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { JwksInput } from '../adapters/access-token-verifier';
import { AccessTokenVerifier } from '../adapters/access-token-verifier';
import { makeDynamoDbRepositories } from '../adapters/dynamodb-repositories';
import { makeDynamoDbDocumentClient } from '../adapters/dynamodb-setup';
import type { UserinfoDeps } from '../domain/endpoints/userinfo-endpoint';
import { userinfoAudience } from '../domain/grants/authorization-code-grant';
import { awsLogger, env, requireIssuer, USERS_NOT_COMPOSED } from './compose';

/** Dependencies of the userinfo function, once per cold start. */
export async function composeUserinfoDeps(): Promise<UserinfoDeps> {
  const issuer = requireIssuer();
  const jwksJson = process.env['IDP_JWKS'];
  let jwks: JwksInput | undefined;
  if (jwksJson !== undefined && jwksJson !== '') {
    try {
      jwks = JSON.parse(jwksJson) as JwksInput;
    } catch {
      throw new Error('IDP_JWKS is not JSON');
    }
  }
  const { revocations } = makeDynamoDbRepositories({
    client: makeDynamoDbDocumentClient(new DynamoDBClient({ maxAttempts: 3 })),
    tableName: env('IDP_TABLE_NAME'),
  });
  return {
    issuer,
    // RFC 9068 §4 checks, aud = <issuer>/oauth2/userinfo, sub any (a user's id).
    verifier: new AccessTokenVerifier({ issuer, audience: userinfoAudience(issuer), subject: 'any', jwks }),
    users: USERS_NOT_COMPOSED,
    revocations,
    logger: awsLogger(),
  };
}
