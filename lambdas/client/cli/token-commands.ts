/** `idp token`: an access token with client credentials (RFC 6749 §4.4). */
import { TokenClient } from '../token-client';
import { authMethod, scopes, str } from './args';
import type { Command } from './command';
import { ISSUER_OPTION, UsageError, audienceOption, scopeOption } from './command';
import { clientCredentials, nonEmpty, resolveIssuer } from './credentials';
import { print, printJson } from './output';

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
];
