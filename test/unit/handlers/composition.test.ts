/**
 * AWS composition without AWS (docs/architecture.md, Composition): the environment readers of
 * lambdas/handlers/compose/environment.ts over plain records, and the adapters' shared default SDK
 * clients (built, never called: no request is made).
 */
import { defaultSecretsManagerClient } from '../../../lambdas/adapters/secrets-manager-pepper';
import { defaultKmsClient } from '../../../lambdas/adapters/kms-token-signer';
import { defaultDynamoDbDocumentClient } from '../../../lambdas/adapters/dynamodb-setup';
import { defaultTokenStatusDynamoDbClient } from '../../../lambdas/adapters/token-status-source';
import { sharedClient } from '../../../lambdas/adapters/aws-clients';
import { composeDiscoveryDeps } from '../../../lambdas/handlers/compose/discovery';
import {
  env,
  envInteger,
  optionalEnv,
  readIssuer,
  readDefaultAccessTokenTtl,
  readSigningAlg,
  requireIssuer,
} from '../../../lambdas/handlers/compose/environment';

describe('environment readers', () => {
  it('an empty variable is unset; a required one names itself when missing', () => {
    expect(optionalEnv({ A: '' }, 'A')).toBeUndefined();
    expect(optionalEnv({ A: 'x' }, 'A')).toBe('x');
    expect(() => env({ A: '' }, 'A')).toThrow('missing environment variable A');
    expect(() => env({}, 'A')).toThrow('missing environment variable A');
  });

  it('whole numbers in decimal digits within bounds, the fallback when unset', () => {
    const bounds = { min: 0, max: 3600, what: 'whole seconds' };
    expect(envInteger({}, 'T', bounds, 60)).toBe(60);
    expect(envInteger({ T: '' }, 'T', bounds)).toBeUndefined();
    expect(envInteger({ T: '0' }, 'T', bounds, 60)).toBe(0);
    expect(envInteger({ T: '3600' }, 'T', bounds, 60)).toBe(3600);
    for (const bad of ['3601', '-1', '1.5', ' 60', '1e3', '0x10', 'abc', '99999999999999999']) {
      expect(() => envInteger({ T: bad }, 'T', bounds, 60)).toThrow('T must be whole seconds from 0 to 3600');
    }
    expect(() => readDefaultAccessTokenTtl({ IDP_DEFAULT_ACCESS_TOKEN_TTL: '0' })).toThrow(
      'IDP_DEFAULT_ACCESS_TOKEN_TTL must be a whole number from 1 to 2592000',
    );
    expect(readDefaultAccessTokenTtl({})).toBe(3600);
  });

  it('the issuer without trailing slashes; the signing algorithm RS256 by default', () => {
    expect(requireIssuer({ IDP_ISSUER: 'https://idp.example.test//' })).toBe('https://idp.example.test');
    expect(() => requireIssuer({})).toThrow('missing environment variable IDP_ISSUER');
    expect(readIssuer({})).toBe('');
    expect(readSigningAlg({})).toBe('RS256');
    expect(readSigningAlg({ IDP_SIGNING_ALG: 'ES256' })).toBe('ES256');
    expect(() => readSigningAlg({ IDP_SIGNING_ALG: 'HS256' })).toThrow('unsupported IDP_SIGNING_ALG HS256');
  });

  it('a function composes from a plain record (discovery: published keys, the active one by default)', async () => {
    const key = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const deps = await composeDiscoveryDeps({
      IDP_ISSUER: 'https://idp.example.test/',
      IDP_SIGNING_KEY_ARN: key,
      IDP_SIGNING_ALG: 'ES256',
    });
    expect(deps.issuer).toBe('https://idp.example.test');
    expect(deps.signingAlgorithms).toEqual(['ES256']);
    await expect(composeDiscoveryDeps({ IDP_ISSUER: 'https://idp.example.test' })).rejects.toThrow(
      'missing environment variable IDP_SIGNING_KEY_ARN',
    );
  });
});

describe('default SDK clients', () => {
  it('one per SDK per cold start, with at most 3 attempts', async () => {
    for (const client of [defaultSecretsManagerClient, defaultKmsClient, defaultDynamoDbDocumentClient]) {
      expect(client()).toBe(client());
      expect(await client().config.maxAttempts()).toBe(3);
    }
  });

  it("the authorizer's status read keeps its own, shorter budget", async () => {
    expect(defaultTokenStatusDynamoDbClient()).toBe(defaultTokenStatusDynamoDbClient());
    expect(await defaultTokenStatusDynamoDbClient().config.maxAttempts()).toBe(2);
  });

  it('sharedClient makes its client on first use only', () => {
    let made = 0;
    const client = sharedClient(() => ({ n: ++made }));
    expect(made).toBe(0);
    expect(client()).toBe(client());
    expect(made).toBe(1);
  });
});
