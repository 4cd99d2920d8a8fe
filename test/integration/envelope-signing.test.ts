/**
 * The envelope signing mode with the real adapters, as composed for AWS (test/support/fault-harness.ts:
 * dynalite, the KMS protocol fake with a symmetric key, SDK clients wrapped to count and inject faults):
 * the signing-key custom resource has KMS generate a key pair and stores only its ciphertext; the token
 * function decrypts it once per cold start with the stage's encryption context and then signs with no
 * KMS call at all; the JWKS publishes the key from the record; a token verifies against it (jose) and
 * passes the bearer authorization the authorizers run; a throttled Decrypt at start is the function's
 * 503, then it starts; and a rotation (next → active → retired → removed) keeps every valid token
 * verifying.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { DynamoDbEnvelopeKeyStore, signingKeyItemKey } from '../../lambdas/adapters/dynamodb-envelope-key-store';
import { KmsKeyWrapper } from '../../lambdas/adapters/kms-key-wrapper';
import { envelopeEncryptionContext } from '../../lambdas/adapters/envelope-keys';
import { DECRYPT_RETRY_BUDGET } from '../../lambdas/adapters/kms-retry';
import { AccessTokenVerifier } from '../../lambdas/adapters/access-token-verifier';
import { adminAudience } from '../../lambdas/domain/bootstrap';
import { DependencyUnavailableError, TemporarilyUnavailableError } from '../../lambdas/domain/errors';
import { oauthErrorResponse } from '../../lambdas/domain/endpoints/token-endpoint';
import { toResult } from '../../lambdas/handlers/api-gateway';
import { composeDiscoveryDeps } from '../../lambdas/handlers/compose/discovery';
import { composeEnvelopeKeyDeps } from '../../lambdas/handlers/compose/envelope-key';
import type { EnvironmentVariables } from '../../lambdas/handlers/compose/environment';
import { httpEntry } from '../../lambdas/handlers/compose/http-entry';
import { composeTokenDeps } from '../../lambdas/handlers/compose/token';
import { makeHandler as makeDiscoveryHandler } from '../../lambdas/handlers/discovery-handler';
import { makeHandler as makeEnvelopeKeyHandler } from '../../lambdas/handlers/envelope-key-handler';
import { makeHandler as makeTokenHandler } from '../../lambdas/handlers/token-handler';
import type { FaultHarness } from '../support/fault-harness';
import { FAULT_ISSUER, answerOf, capturingLogger, httpEvent, startFaultHarness } from '../support/fault-harness';
import { sdkFaults } from '../support/faulty-client';

const STAGE = 'faults';
let h: FaultHarness;
let wrappingKeyId: string;

beforeAll(async () => {
  h = await startFaultHarness('serverless-idp-envelope');
  wrappingKeyId = h.kms.createSymmetricKey();
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.resetFaults());

/** The custom resource's event for key `keyId`, as CloudFormation sends it. */
function keyEvent(requestType: 'Create' | 'Update' | 'Delete', keyId: string): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.local/',
    StackId: 'arn:aws:cloudformation:local:000000000000:stack/serverless-idp-faults-stateful/1',
    RequestId: `req-${requestType}-${keyId}`,
    LogicalResourceId: `SigningKeyMaterial-${keyId}`,
    ResourceType: 'Custom::IdpSigningKey',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider',
      TableName: h.dynamo.tableName,
      WrappingKeyArn: h.kms.arnOf(wrappingKeyId),
      StageName: STAGE,
      KeyId: keyId,
      Algorithm: 'RS256',
    },
  };
  const physical = `serverless-idp-${STAGE}-signing-key-${keyId}`;
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: physical,
      OldResourceProperties: common.ResourceProperties,
    };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physical };
}

const keyResource = (event: CloudFormationCustomResourceEvent) =>
  makeEnvelopeKeyHandler({ ...composeEnvelopeKeyDeps(h.sdk), logger: capturingLogger() })(event);

/** The variables lib/api-functions.ts sets in envelope mode: the active key's id, published key ids. */
function envelopeVars(active: string, published: string[]): EnvironmentVariables {
  return {
    ...h.vars,
    IDP_SIGNING_KEY_ARN: undefined,
    IDP_PUBLISHED_KEY_ARNS: undefined,
    IDP_SIGNING_MODE: 'envelope',
    IDP_SIGNING_KEY_ID: active,
    IDP_ENVELOPE_KEY_ARN: h.kms.arnOf(wrappingKeyId),
    IDP_STAGE_NAME: STAGE,
    IDP_PUBLISHED_KEY_IDS: published.join(','),
    IDP_PUBLISHED_KEY_ID_ALGS: published.map(() => 'RS256').join(','),
  };
}

const basic = () =>
  `Basic ${Buffer.from(`${encodeURIComponent(h.bootstrap.clientId)}:${encodeURIComponent(h.bootstrap.clientSecret)}`).toString('base64')}`;
const tokenEvent = () =>
  httpEvent(
    'POST',
    '/oauth2/token',
    { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
    'grant_type=client_credentials&scope=admin%3Aread',
  );

/** A cold start of the token function: composition (one Decrypt), then a handler. */
async function tokenFunction(vars: EnvironmentVariables) {
  const handler = makeTokenHandler({
    ...(await composeTokenDeps(vars, h.sdk)),
    logger: capturingLogger(),
    observe: undefined,
  });
  return async () => {
    const answer = answerOf(await handler(tokenEvent()));
    expect(answer.status).toBe(200);
    return (answer.body as { access_token: string }).access_token;
  };
}

async function jwksOf(vars: EnvironmentVariables): Promise<JSONWebKeySet> {
  const discovery = makeDiscoveryHandler(await composeDiscoveryDeps(vars, h.sdk));
  const answer = answerOf(await discovery(httpEvent('GET', '/.well-known/jwks.json')));
  expect(answer.status).toBe(200);
  return answer.body as JSONWebKeySet;
}

/** Whether `token` verifies with `jwks` (jose), and passes the authorizers' verifier for the admin audience. */
async function verifies(token: string, jwks: JSONWebKeySet): Promise<boolean> {
  try {
    await compactVerify(token, createLocalJWKSet(jwks));
  } catch {
    return false;
  }
  const verifier = new AccessTokenVerifier({
    issuer: FAULT_ISSUER,
    audience: adminAudience(FAULT_ISSUER),
    fetchJwks: () => Promise.resolve(jwks as never),
  });
  try {
    const grant = await verifier.verify(token);
    return grant.clientId === h.bootstrap.clientId && grant.scope.includes('admin:read');
  } catch {
    return false;
  }
}

describe('envelope signing end to end', () => {
  let kid = '';

  it('the custom resource has KMS generate the key pair and stores only its ciphertext, with the encryption context', async () => {
    const created = await keyResource(keyEvent('Create', 'initial'));
    expect(created).toEqual({
      PhysicalResourceId: `serverless-idp-${STAGE}-signing-key-initial`,
      Data: { Kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    kid = created.Data!['Kid']!;
    expect(h.faulty.kms.calls).toEqual({ GenerateDataKeyPairWithoutPlaintextCommand: 1 });
    expect(h.kms.lastEncryptionContext.GenerateDataKeyPairWithoutPlaintext).toEqual(
      envelopeEncryptionContext(STAGE, 'initial'),
    );
    const item = (await h.scan()).find((i) => i['pk'] === signingKeyItemKey('initial')['pk'])!;
    expect(Object.keys(item).sort()).toEqual(
      [
        'pk',
        'sk',
        'type',
        'keyId',
        'alg',
        'kid',
        'publicKeySpki',
        'privateKeyCiphertext',
        'encryptionContext',
        'createdAt',
      ].sort(),
    );
    expect(item).toMatchObject({ sk: 'SIGNKEY', type: 'signkey', keyId: 'initial', alg: 'RS256', kid });
    expect(JSON.stringify(item)).not.toMatch(/PRIVATE KEY|"d":/);
    // An Update (any property change, a new provider) keeps the key: same kid, no new key pair.
    h.resetFaults();
    expect(await keyResource(keyEvent('Update', 'initial'))).toEqual(created);
    expect(h.faulty.kms.calls).toEqual({});
  });

  it('the token function decrypts once per cold start, then signs with no KMS call; the token verifies with the JWKS and the authorizers’ verifier', async () => {
    const vars = envelopeVars('initial', ['initial']);
    const issue = await tokenFunction(vars);
    expect(h.faulty.kms.calls).toEqual({ DecryptCommand: 1 });
    expect(h.kms.lastEncryptionContext.Decrypt).toEqual(envelopeEncryptionContext(STAGE, 'initial'));
    const tokens = [await issue(), await issue(), await issue()];
    expect(h.faulty.kms.calls).toEqual({ DecryptCommand: 1 });
    const jwks = await jwksOf(vars);
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use, k.kty])).toEqual([[kid, 'RS256', 'sig', 'RSA']]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|"p"|"q"/);
    expect(h.faulty.kms.calls).toEqual({ DecryptCommand: 1 }); // the JWKS is read from the record
    for (const token of tokens) {
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid });
      expect(await verifies(token, jwks)).toBe(true);
    }
  });

  it('Decrypt throttled at the cold start past its budget: the function answers 503 with Retry-After, then starts', async () => {
    const vars = envelopeVars('initial', ['initial']);
    h.faulty.kms.fail({
      fault: sdkFaults.kms.throttling,
      commands: ['DecryptCommand'],
      times: DECRYPT_RETRY_BUDGET.maxAttempts,
    });
    await expect(composeTokenDeps(vars, h.sdk)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(h.faulty.kms.calls).toEqual({ DecryptCommand: 5 });
    h.resetFaults();
    h.faulty.kms.fail({ fault: sdkFaults.kms.throttling, commands: ['DecryptCommand'], times: 5 });
    const logger = capturingLogger();
    const entry = httpEntry({
      name: 'token',
      vars,
      compose: (v) => composeTokenDeps(v, h.sdk),
      make: (deps) => makeTokenHandler({ ...deps, logger, observe: undefined }),
      unavailable: () => toResult(oauthErrorResponse(new TemporarilyUnavailableError(), FAULT_ISSUER)),
      logger,
    });
    const first = answerOf(await entry(tokenEvent()));
    expect([first.status, first.headers['Retry-After']]).toEqual([503, '1']);
    const second = answerOf(await entry(tokenEvent()));
    expect(second.status).toBe(200);
  });

  it('the ciphertext decrypts only under its own context: another stage or key id is refused (never a 503)', async () => {
    const vars = { ...envelopeVars('initial', ['initial']), IDP_STAGE_NAME: 'other-stage' };
    await expect(composeTokenDeps(vars, h.sdk)).rejects.toThrow(/unexpected encryption context/);
    const record = (await new DynamoDbEnvelopeKeyStore({ client: h.plain.dynamodb, tableName: h.dynamo.tableName }).get(
      'initial',
    ))!;
    const wrapper = new KmsKeyWrapper({ client: h.plain.kms, keyArn: h.kms.arnOf(wrappingKeyId) });
    const ciphertext = Buffer.from(record.privateKeyCiphertext, 'base64');
    for (const context of [
      envelopeEncryptionContext('other-stage', 'initial'),
      envelopeEncryptionContext(STAGE, 'k9'),
    ]) {
      const err = await wrapper.decrypt(ciphertext, context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).not.toBeInstanceOf(DependencyUnavailableError);
      expect((err as Error).message).toBe('signer call refused: InvalidCiphertextException');
    }
    expect((await wrapper.decrypt(ciphertext, envelopeEncryptionContext(STAGE, 'initial'))).byteLength).toBeGreaterThan(
      1000,
    );
  });

  it('rotation in envelope mode: next → active → retired → removed, every valid token verifying throughout', async () => {
    // Phase 0: `initial` signs.
    const tokenA = await (await tokenFunction(envelopeVars('initial', ['initial'])))();
    // Phase 1: k2 added as `next`: published, signs nothing.
    const k2 = (await keyResource(keyEvent('Create', 'k2'))).Data!['Kid']!;
    const phase1 = await jwksOf(envelopeVars('initial', ['initial', 'k2']));
    expect(phase1.keys.map((k) => k.kid)).toEqual([kid, k2]);
    expect(await verifies(tokenA, phase1)).toBe(true);
    // Phase 2: k2 active, initial retired (still published).
    const phase2Vars = envelopeVars('k2', ['k2', 'initial']);
    const tokenB = await (await tokenFunction(phase2Vars))();
    expect(decodeProtectedHeader(tokenB).kid).toBe(k2);
    const phase2 = await jwksOf(phase2Vars);
    expect(phase2.keys.map((k) => k.kid)).toEqual([k2, kid]);
    expect(await verifies(tokenA, phase2)).toBe(true);
    expect(await verifies(tokenB, phase2)).toBe(true);
    // Phase 3: initial removed after its retention: its record goes with its custom resource.
    await keyResource(keyEvent('Delete', 'initial'));
    expect((await h.scan()).filter((i) => i['type'] === 'signkey').map((i) => i['keyId'])).toEqual(['k2']);
    const phase3 = await jwksOf(envelopeVars('k2', ['k2']));
    expect(phase3.keys.map((k) => k.kid)).toEqual([k2]);
    expect(await verifies(tokenB, phase3)).toBe(true);
    expect(await verifies(tokenA, phase3)).toBe(false);
  });
});
