/**
 * `idp token`: an access token with client credentials (RFC 6749 §4.4); `idp tokens revoke` (RFC 7009)
 * and `idp tokens introspect` (RFC 7662) of a token, with a confidential client's credentials (or, to
 * revoke, a public client's id).
 */
import { TokenClient } from '../token-client';
import { TokenEndpointError } from '../token-errors';
import { metadataUrl } from '../endpoint-discovery';
import { tokenOperationRequest } from '../token-revocation';
import { getJson } from './http-json';
import { authMethod, flag, scopes, str } from './args';
import type { Command } from './command';
import type { Invocation, OptionSpec } from './command';
import { CliFailure, ISSUER_OPTION, UsageError, audienceOption, scopeOption } from './command';
import { clientCredentials, nonEmpty, resolveIssuer } from './credentials';
import { print, printJson } from './output';

/** The options of `idp tokens revoke|introspect`: whose token, and where. */
const TOKEN_OPERATION_OPTIONS: Record<string, OptionSpec> = {
  issuer: ISSUER_OPTION,
  hint: { type: 'string', value: 'TYPE', description: 'token_type_hint: access_token or refresh_token' },
  'client-id': { type: 'string', value: 'ID', description: 'the client id (default: $IDP_CLIENT_ID)' },
  'client-secret': { type: 'string', value: 'SECRET', description: 'the secret (default: $IDP_CLIENT_SECRET)' },
  'client-secret-stdin': { type: 'boolean', description: 'read the secret from standard input' },
  'auth-method': { type: 'string', value: 'basic|post', description: 'client_secret_basic (default) or _post' },
};

/** A confidential client for the token operations, the issuer's endpoints discovered from its metadata. */
async function operationClient(inv: Invocation): Promise<TokenClient> {
  const { clientId, clientSecret } = await clientCredentials(inv);
  return new TokenClient({
    issuer: resolveIssuer(inv),
    clientId,
    clientSecret,
    authMethod: authMethod(str(inv, 'auth-method')),
    fetch: inv.io.fetch,
  });
}

/** The one positional TOKEN. */
function tokenArg(inv: Invocation): string {
  const token = inv.args[0];
  if (token === undefined || token === '') throw new UsageError('a token is required');
  return token;
}

/** An RFC 6749 §5.2 error as a one-line failure. */
function endpointFailure(err: unknown): never {
  if (err instanceof TokenEndpointError) {
    throw new CliFailure(`${err.error}${err.error_description === undefined ? '' : `: ${err.error_description}`}`);
  }
  throw err;
}

/**
 * Revokes `token` at the issuer as the public client `clientId` (RFC 7009 §2.1: a public client
 * identifies itself with its `client_id`).
 * @throws CliFailure when the IdP cannot be reached or refuses
 */
export async function revokeAsPublicClient(
  doFetch: typeof fetch,
  issuer: string,
  clientId: string,
  token: string,
  tokenTypeHint?: string,
): Promise<void> {
  const metadata = await getJson(doFetch, metadataUrl(issuer));
  const endpoint = metadata['revocation_endpoint'];
  if (typeof endpoint !== 'string') throw new CliFailure(`${issuer} has no revocation endpoint`);
  const { headers, body } = tokenOperationRequest({ clientId }, token, tokenTypeHint);
  let response: Response;
  try {
    response = await doFetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliFailure(`cannot reach ${endpoint}: ${(err as Error).message}`);
  }
  if (response.status === 200) return;
  const answer = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
  const error = typeof answer?.error === 'string' ? answer.error : `HTTP ${response.status}`;
  throw new CliFailure(`${endpoint} refused the revocation: ${error}`);
}

/** The token commands. */
export const tokenCommands: Command[] = [
  {
    name: 'token',
    args: [],
    summary: 'get an access token with client credentials',
    details:
      'Credentials: --client-id, else $IDP_CLIENT_ID; the secret from --client-secret-stdin, --client-secret or\n' +
      '$IDP_CLIENT_SECRET (prefer stdin or the environment: arguments show up in process lists).\n' +
      'Prints the access token; with --json the token response (access_token, token_type, expires_in, scope).',
    options: {
      audience: audienceOption('the API identifier (aud)'),
      scope: scopeOption('space-delimited scopes'),
      issuer: ISSUER_OPTION,
      'token-endpoint': {
        type: 'string',
        value: 'URL',
        description: 'the token endpoint (default: $IDP_TOKEN_ENDPOINT, else discovered from the issuer)',
      },
      'client-id': { type: 'string', value: 'ID', description: 'the client id (default: $IDP_CLIENT_ID)' },
      'client-secret': { type: 'string', value: 'SECRET', description: 'the secret (default: $IDP_CLIENT_SECRET)' },
      'client-secret-stdin': { type: 'boolean', description: 'read the secret from standard input' },
      'auth-method': { type: 'string', value: 'basic|post', description: 'client_secret_basic (default) or _post' },
    },
    async run(inv) {
      const { clientId, clientSecret } = await clientCredentials(inv);
      const tokenEndpoint = str(inv, 'token-endpoint') ?? nonEmpty(inv.io.env['IDP_TOKEN_ENDPOINT']);
      if (tokenEndpoint !== undefined && str(inv, 'issuer') !== undefined) {
        throw new UsageError('give --issuer or --token-endpoint, not both');
      }
      const client = new TokenClient({
        ...(tokenEndpoint !== undefined ? { tokenEndpoint } : { issuer: resolveIssuer(inv) }),
        clientId,
        clientSecret,
        authMethod: authMethod(str(inv, 'auth-method')),
        fetch: inv.io.fetch,
      });
      const requestedScopes = scopes(inv);
      const token = await client.getToken({
        audience: str(inv, 'audience'),
        scope: requestedScopes.length === 0 ? undefined : requestedScopes,
      });
      if (!inv.json) return print(inv, token.accessToken);
      printJson(inv, {
        access_token: token.accessToken,
        token_type: token.tokenType,
        expires_in: Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000)),
        expires_at: new Date(token.expiresAt).toISOString(),
        scope: token.scope,
      });
    },
  },
  {
    name: 'tokens revoke',
    args: ['TOKEN'],
    summary: 'revoke an access or refresh token (RFC 7009)',
    details:
      'Authenticates as the client the token was issued to: a confidential client with its secret (as for\n' +
      'idp token), or a public client with --client-id alone. A refresh token ends its whole session (its\n' +
      'access tokens stop at the APIs too). An unknown or expired token is not an error (RFC 7009 §2.2).',
    options: TOKEN_OPERATION_OPTIONS,
    async run(inv) {
      const token = tokenArg(inv);
      const hint = str(inv, 'hint');
      const publicClientId = str(inv, 'client-id') ?? nonEmpty(inv.io.env['IDP_CLIENT_ID']);
      const hasSecret =
        flag(inv, 'client-secret-stdin') ||
        str(inv, 'client-secret') !== undefined ||
        nonEmpty(inv.io.env['IDP_CLIENT_SECRET']) !== undefined;
      if (!hasSecret && publicClientId !== undefined) {
        await revokeAsPublicClient(
          inv.io.fetch ?? ((input, init) => fetch(input, init)),
          resolveIssuer(inv),
          publicClientId,
          token,
          hint,
        );
      } else {
        const client = await operationClient(inv);
        await client.revoke(token, hint as 'access_token' | 'refresh_token' | undefined).catch(endpointFailure);
      }
      if (inv.json) return printJson(inv, { revoked: true });
      print(inv, 'revoked (or not a live token of this client)');
    },
  },
  {
    name: 'tokens introspect',
    args: ['TOKEN'],
    summary: "show a token's state and claims (RFC 7662)",
    details:
      "Needs a confidential client: the token's own, or one listed in the introspectors of the token's API.\n" +
      'Prints the answer as JSON ({"active":false} for a token that is not active or not yours to see);\n' +
      'exit code 1 when the token is not active.',
    options: TOKEN_OPERATION_OPTIONS,
    async run(inv) {
      const client = await operationClient(inv);
      const hint = str(inv, 'hint') as 'access_token' | 'refresh_token' | undefined;
      const answer = await client.introspect(tokenArg(inv), hint).catch(endpointFailure);
      printJson(inv, answer);
      if (answer['active'] !== true) throw new CliFailure('the token is not active');
    },
  },
];
