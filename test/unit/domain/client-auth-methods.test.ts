/**
 * The seams the next grants plug into, tested directly: the credentials reader and checker know the
 * `none` method (a public client presenting only `client_id`, RFC 6749 §2.1 / §3.2.1) though no client
 * can register it yet; grants declare the methods they accept; the registry names what discovery
 * lists (RFC 8414 §2); the one JWT builder takes `typ` and claims as parameters.
 */
import { inMemoryPeopleTokenPath } from '../../support/in-memory-people';
import { tokenPathReads } from '../../../lambdas/domain/ports';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { HmacSecretHasher } from '../../../lambdas/adapters/hmac-secret-hasher';
import { authenticateClient, requireAcceptedMethod } from '../../../lambdas/domain/client-auth/client-authentication';
import { readClientCredentials } from '../../../lambdas/domain/client-auth/credentials-reader';
import { SECRET_AUTH_METHODS } from '../../../lambdas/domain/client-auth/methods';
import { InvalidClientError } from '../../../lambdas/domain/errors';
import { ClientCredentialsGrant } from '../../../lambdas/domain/grants/client-credentials-grant';
import { GrantRegistry, SUPPORTED_AUTH_METHODS, SUPPORTED_GRANT_TYPES } from '../../../lambdas/domain/grants/registry';
import type { Client, ClientBundle, TokenEndpointAuthMethod } from '../../../lambdas/domain/model';
import { signJwt } from '../../../lambdas/domain/tokens/jwt';
import {
  FIXED_NOW,
  ISSUER,
  InMemoryApis,
  InMemoryClients,
  InMemoryTokenTable,
  SequentialIds,
  TestSigner,
  fakeClock,
  makeClient,
} from '../../support/in-memory';

const hasher = new HmacSecretHasher(Buffer.alloc(32, 7));

function bundleOf(client: Client): ClientBundle {
  return { client, secrets: [], rules: [] };
}

/** A client registered for `none`, which the model does not allow yet. */
function publicClient(extra: Partial<Client> = {}): Client {
  return makeClient('spa', { tokenEndpointAuthMethod: 'none' as unknown as TokenEndpointAuthMethod, ...extra });
}

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidClientError) return `${err.reason}: ${err.description}`;
    throw err;
  }
  return undefined;
}

describe('credentials reader: none', () => {
  it('a client_id alone is the none method; nothing at all is undefined', () => {
    expect(readClientCredentials(undefined, new Map([['client_id', 'spa']]))).toEqual({
      method: 'none',
      clientId: 'spa',
    });
    expect(readClientCredentials(undefined, new Map())).toBeUndefined();
  });
});

describe('requireAcceptedMethod', () => {
  it('where none is not accepted, a client_id alone is no authentication at all', () => {
    expect(reasonOf(() => requireAcceptedMethod({ method: 'none', clientId: 'spa' }, SECRET_AUTH_METHODS, false))).toBe(
      'no_credentials: client authentication is required',
    );
    expect(reasonOf(() => requireAcceptedMethod(undefined, ['none'], false))).toBe(
      'no_credentials: client authentication is required',
    );
  });

  it('an accepted method passes; a secret method a grant does not accept is a method mismatch', () => {
    expect(requireAcceptedMethod({ method: 'none', clientId: 'spa' }, ['none'], false)).toEqual({
      method: 'none',
      clientId: 'spa',
    });
    const post = { method: 'client_secret_post', clientId: 'c', clientSecret: 's' } as const;
    expect(requireAcceptedMethod(post, SECRET_AUTH_METHODS, false)).toBe(post);
    expect(reasonOf(() => requireAcceptedMethod(post, ['none'], false))).toBe(
      'auth_method_mismatch: client authentication failed',
    );
  });
});

describe('authenticateClient: none', () => {
  const none = { method: 'none', clientId: 'spa' } as const;

  it('a public client registered for none, enabled → authenticated without a secret', () => {
    const client = publicClient();
    expect(authenticateClient(none, bundleOf(client), hasher, FIXED_NOW, false)).toEqual({ method: 'none', client });
  });

  it('unknown, registered with a secret method, or disabled → invalid_client with its reason', () => {
    expect(reasonOf(() => authenticateClient(none, undefined, hasher, FIXED_NOW, false))).toBe(
      'unknown_client: client authentication failed',
    );
    expect(reasonOf(() => authenticateClient(none, bundleOf(makeClient('spa')), hasher, FIXED_NOW, false))).toBe(
      'auth_method_mismatch: client authentication failed',
    );
    const disabled = bundleOf(publicClient({ status: 'disabled' }));
    expect(reasonOf(() => authenticateClient(none, disabled, hasher, FIXED_NOW, false))).toBe(
      'client_disabled: client authentication failed',
    );
  });
});

describe('grant registry', () => {
  it('lists the registered grants and the methods they accept, as discovery publishes them', () => {
    expect(SUPPORTED_GRANT_TYPES).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
    // none: the authorization code grant accepts public clients; client_credentials never does.
    expect(SUPPORTED_AUTH_METHODS).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
  });

  it('finds a grant by its exact grant_type; anything else, prototype names included, is no grant', () => {
    const registry = new GrantRegistry({
      store: (() => {
        const table = new InMemoryTokenTable();
        return tokenPathReads(new InMemoryClients(table), new InMemoryApis(table));
      })(),
      people: inMemoryPeopleTokenPath(),
      signer: new TestSigner(),
      clock: fakeClock(),
      ids: new SequentialIds(),
      config: { issuer: ISSUER, defaultAccessTokenTtl: 3600 },
    });
    const grant = registry.find('client_credentials');
    expect(grant).toBeInstanceOf(ClientCredentialsGrant);
    expect(grant?.authMethods).not.toContain('none');
    for (const other of ['CLIENT_CREDENTIALS', 'constructor', '__proto__', 'toString', '']) {
      expect(registry.find(other)).toBeUndefined();
    }
  });
});

describe('signJwt', () => {
  it('header {alg, typ, kid} in that order with the given typ; the claims as given', async () => {
    const signer = new TestSigner('ES256');
    const jwt = await signJwt({ typ: 'JWT', claims: { iss: ISSUER, sub: 'u1', n: 1 } }, signer);
    expect(Object.keys(decodeProtectedHeader(jwt))).toEqual(['alg', 'typ', 'kid']);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', typ: 'JWT', kid: signer.kid });
    expect(decodeJwt(jwt)).toEqual({ iss: ISSUER, sub: 'u1', n: 1 });
  });
});
