/**
 * Composition of the sign-in function (the hosted pages, ../sign-in-handler.ts): the client, API,
 * user, password-setup, sign-in-session, pending-request, consent and code repositories over the
 * table, and the scrypt password KDF keyed with the pepper (read once per cold start). It issues codes,
 * never tokens: no `kms:*`. Variables: ./environment.ts, and
 * - `IDP_DISPLAY_NAME`: the issuer's name on the pages (default: the issuer's host);
 * - `IDP_SIGN_IN_SESSION_TTL`: sign-in session lifetime, seconds (default 12 h, 5 min .. 30 days).
 */
import { makeDynamoDbRepositories } from '../../adapters/dynamodb-repositories';
import { randomIds } from '../../adapters/random-ids';
import { ScryptPasswordKdf } from '../../adapters/scrypt-password-kdf';
import { loadPepperFromSecretsManager } from '../../adapters/secrets-manager-pepper';
import { systemClock } from '../../adapters/system-clock';
import type { HostedPagesDeps } from '../../domain/people/hosted-pages-deps';
import { DEFAULT_SIGN_IN_SESSION_TTL } from '../../domain/people/hosted-pages-deps';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import type { EnvironmentVariables } from './environment';
import { env, envInteger, functionEnvironment, optionalEnv, requireIssuer } from './environment';
import { httpEntry } from './http-entry';
import type { SdkClients } from './sdk-clients';
import { awsLogger } from './observability';

/** Dependencies of the sign-in function; `sdk` replaces the shared SDK clients (tests). */
export async function composeSignInDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<HostedPagesDeps> {
  const repositories = makeDynamoDbRepositories({ client: sdk.dynamodb, tableName: env(vars, 'IDP_TABLE_NAME') });
  const pepper = await loadPepperFromSecretsManager({
    client: sdk.secretsManager,
    secretId: env(vars, 'IDP_PEPPER_SECRET_ARN'),
  });
  const displayName = optionalEnv(vars, 'IDP_DISPLAY_NAME');
  return {
    clients: repositories.clients,
    apis: repositories.apis,
    users: repositories.users,
    setups: repositories.setups,
    signInSessions: repositories.signInSessions,
    requests: repositories.authorizationRequests,
    codes: repositories.codes,
    sessions: repositories.sessions,
    consents: repositories.consents,
    kdf: new ScryptPasswordKdf(pepper),
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
    config: {
      issuer: requireIssuer(vars),
      ...(displayName === undefined ? {} : { displayName }),
      signInSessionTtl: envInteger(
        vars,
        'IDP_SIGN_IN_SESSION_TTL',
        { min: 300, max: 30 * 86_400 },
        DEFAULT_SIGN_IN_SESSION_TTL,
      ),
    },
  };
}

/**
 * The sign-in function's Lambda entry: {@link composeSignInDeps} under the origin check
 * (./http-entry.ts).
 * @param unavailable the page while the function cannot start, for the issuer (possibly empty)
 */
export function signInEntry(
  make: (deps: HostedPagesDeps) => HttpApiHandler,
  unavailable: (issuer: string) => HttpApiResult,
): HttpApiHandler {
  const vars = functionEnvironment();
  return httpEntry({
    name: 'sign-in',
    vars,
    compose: composeSignInDeps,
    make,
    unavailable: () => unavailable(optionalEnv(vars, 'IDP_ISSUER') ?? ''),
  });
}
