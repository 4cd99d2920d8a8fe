/**
 * Composition of the sign-in function (the hosted pages) for AWS, with compose.ts's environment
 * helpers. Environment, beside compose.ts's `IDP_ISSUER`, `IDP_TABLE_NAME`, `IDP_PEPPER_SECRET_ARN`:
 * - `IDP_DISPLAY_NAME`: the issuer's name on the pages (default: the issuer's host);
 * - `IDP_SIGN_IN_SESSION_TTL`: sign-in session lifetime, seconds (default 12 h, 5 min .. 30 days).
 *
 * The user and password-setup repositories and the password KDF come from {@link userAdapters}.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { HostedPagesDeps } from '../domain/people/hosted-pages-deps';
import { DEFAULT_SIGN_IN_SESSION_TTL } from '../domain/people/hosted-pages-deps';
import type { PasswordKdf, PasswordSetupRepository, UserRepository } from '../domain/people/ports';
import { makeDynamoDbRepositories } from '../adapters/dynamodb-repositories';
import type { DynamoDbRepositories } from '../adapters/dynamodb-repositories';
import { makeDynamoDbDocumentClient } from '../adapters/dynamodb-setup';
import { randomIds } from '../adapters/random-ids';
import { loadPepperFromSecretsManager } from '../adapters/secrets-manager-pepper';
import { systemClock } from '../adapters/system-clock';
import { awsLogger, env, envInteger, requireIssuer } from './compose';

/** What the pages need of the users side: its repositories and the KDF (keyed with the pepper). */
export interface UserAdapters {
  users: UserRepository;
  setups: PasswordSetupRepository;
  kdf: PasswordKdf;
}

/**
 * The users side's adapters over the table. They live with the users work (DynamoDB user and
 * password-setup repositories, the scrypt KDF); until they are merged into this tree the function
 * cannot compose, and answers 503.
 */
export function userAdapters(_repositories: DynamoDbRepositories, _pepper: Uint8Array | string): UserAdapters {
  throw new Error('the user repositories and the password KDF are not part of this build');
}

/** Dependencies of the sign-in function. */
export async function composeSignInDeps(): Promise<HostedPagesDeps> {
  const dynamo = new DynamoDBClient({ maxAttempts: 3 });
  const repositories = makeDynamoDbRepositories({
    client: makeDynamoDbDocumentClient(dynamo),
    tableName: env('IDP_TABLE_NAME'),
  });
  const pepper = await loadPepperFromSecretsManager(new SecretsManagerClient({}), env('IDP_PEPPER_SECRET_ARN'));
  const { users, setups, kdf } = userAdapters(repositories, pepper);
  const displayName = process.env['IDP_DISPLAY_NAME'];
  return {
    clients: repositories.clients,
    apis: repositories.apis,
    users,
    setups,
    signInSessions: repositories.signInSessions,
    requests: repositories.authorizationRequests,
    codes: repositories.codes,
    consents: repositories.consents,
    kdf,
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
    config: {
      issuer: requireIssuer(),
      ...(displayName === undefined || displayName === '' ? {} : { displayName }),
      signInSessionTtl: envInteger('IDP_SIGN_IN_SESSION_TTL', DEFAULT_SIGN_IN_SESSION_TTL, 300, 30 * 86_400),
    },
  };
}
