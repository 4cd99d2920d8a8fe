/**
 * The envelope signing mode as synthesized (lib/envelope-signing.ts; README, "Signing modes"): one
 * config value (`signing: 'envelope'`) turns a stage's keys into wrapped key pairs — a symmetric wrapping
 * key whose policy lets only the token role Decrypt and only the signing-key function generate, each only
 * with the stage's encryption context; one custom resource per key; the token function configured to
 * decrypt, discovery to read the public keys; no asymmetric key and no IAM grant of a KMS action;
 * cdk-nag clean. A rotation from `kms` to `envelope` publishes both kinds of key.
 */
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENVELOPE_CONTEXT_KEYS } from '../../lambdas/adapters/envelope-keys';
import type { SigningKeyConfig, StageConfig } from '../../lib/config';
import { STAGE_DEFAULTS } from '../../lib/config';
import { IdpStage } from '../../lib/idp-stage';
import type { CfnTemplate, Statement } from './cdk-app';
import { actionsOf, allStatements, cdkJsonContext, resourcesOfType } from './cdk-app';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

let app: App;
const stages: Record<string, IdpStage> = {};
const CONFIGS: Record<string, Partial<StageConfig>> = {
  envelope: { signing: 'envelope' },
  envelopeEs256: { signing: 'envelope', signingAlgorithm: 'ES256' },
  // A live kms stage moving to envelope by rotation: the new key is an envelope key, the old one stays published.
  migrating: {
    signingKeys: [
      { id: 'initial', state: 'retired', retiredAt: '2026-03-01' },
      { id: 'env2026', state: 'active', signing: 'envelope' },
    ] satisfies SigningKeyConfig[],
  },
  rotatingEnvelope: {
    signing: 'envelope',
    signingKeys: [
      { id: 'initial', state: 'active' },
      { id: 'k2', state: 'next' },
    ],
  },
};

beforeAll(() => {
  app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  for (const [name, config] of Object.entries(CONFIGS)) {
    stages[name] = new IdpStage(app, name, {
      config: { ...STAGE_DEFAULTS.prod, account: ACCOUNT, region: REGION, ...config },
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}, 120_000);

const json = (stage: string, stack: 'stateful' | 'api') =>
  Template.fromStack(stack === 'stateful' ? stages[stage]!.stateful : stages[stage]!.api).toJSON() as CfnTemplate;

function environmentOf(stage: string, service: string): Record<string, unknown> {
  const fn = Object.values(resourcesOfType(json(stage, 'api'), 'AWS::Lambda::Function')).find(
    (f) =>
      (f.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables['POWERTOOLS_SERVICE_NAME'] ===
      service,
  );
  if (fn === undefined) throw new Error(`no ${service} function`);
  return (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
}

function logicalIdOf(template: CfnTemplate, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ')}`);
  return ids[0]!;
}

const CONTEXT_CONDITIONS = {
  StringEquals: {
    [`kms:EncryptionContext:${ENVELOPE_CONTEXT_KEYS.purpose}`]: 'access-token-signing',
    [`kms:EncryptionContext:${ENVELOPE_CONTEXT_KEYS.stage}`]: 'prod',
  },
  'ForAllValues:StringEquals': {
    'kms:EncryptionContextKeys': [
      ENVELOPE_CONTEXT_KEYS.purpose,
      ENVELOPE_CONTEXT_KEYS.stage,
      ENVELOPE_CONTEXT_KEYS.signingKey,
    ],
  },
  Null: { [`kms:EncryptionContext:${ENVELOPE_CONTEXT_KEYS.signingKey}`]: 'false' },
};

describe('envelope mode: one config value', () => {
  test('the stateful stack has one symmetric wrapping key (rotated yearly by KMS) and no asymmetric key', () => {
    const keys = resourcesOfType(json('envelope', 'stateful'), 'AWS::KMS::Key');
    expect(Object.values(keys).map((k) => [k.Properties!['KeySpec'], k.Properties!['KeyUsage']])).toEqual([
      ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
    ]);
    expect(Object.values(keys)[0]!.Properties!['EnableKeyRotation']).toBe(true);
    expect(Object.values(keys)[0]!.DeletionPolicy).toBe('Retain');
  });

  test('key policy: only the token role decrypts, only the signing-key function generates, each only with the context', () => {
    const stateful = json('envelope', 'stateful');
    const key = Object.values(resourcesOfType(stateful, 'AWS::KMS::Key'))[0]!;
    const statements = (key.Properties!['KeyPolicy'] as { Statement: Statement[] }).Statement;
    expect(statements.map((s) => s.Sid)).toEqual([
      'AccountAdministersButCannotUse',
      'TokenFunctionDecryptsSigningKeysOnly',
      'SigningKeyFunctionGeneratesKeyPairsOnly',
    ]);
    const [admin, decrypt, generate] = statements as [Statement, Statement, Statement];
    expect(actionsOf(admin).filter((a) => /Decrypt|Encrypt|Generate|Sign/.test(a))).toEqual([]);
    const tokenRole = logicalIdOf(stateful, 'AWS::IAM::Role', 'TokenFunctionRole');
    expect(decrypt).toEqual({
      Sid: 'TokenFunctionDecryptsSigningKeysOnly',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Principal: { AWS: { 'Fn::GetAtt': [tokenRole, 'Arn'] } },
      Resource: '*',
      Condition: {
        ...CONTEXT_CONDITIONS,
        StringEquals: { ...CONTEXT_CONDITIONS.StringEquals, 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' },
      },
    });
    const fnRole = logicalIdOf(stateful, 'AWS::IAM::Role', 'SigningKeyFunctionRole');
    expect(generate).toEqual({
      Sid: 'SigningKeyFunctionGeneratesKeyPairsOnly',
      Effect: 'Allow',
      Action: 'kms:GenerateDataKeyPairWithoutPlaintext',
      Principal: { AWS: { 'Fn::GetAtt': [fnRole, 'Arn'] } },
      Resource: '*',
      Condition: {
        ...CONTEXT_CONDITIONS,
        StringEquals: { ...CONTEXT_CONDITIONS.StringEquals, 'kms:DataKeyPairSpec': ['RSA_2048'] },
      },
    });
    expect(
      (
        (
          Object.values(resourcesOfType(json('envelopeEs256', 'stateful'), 'AWS::KMS::Key'))[0]!.Properties![
            'KeyPolicy'
          ] as { Statement: Statement[] }
        ).Statement[2]!.Condition as Record<string, unknown>
      )['StringEquals'],
    ).toMatchObject({ 'kms:DataKeyPairSpec': ['ECC_NIST_P256'] });
  });

  test('no IAM policy grants a KMS action: the key policy is the only grant', () => {
    for (const stack of ['stateful', 'api'] as const) {
      const iamStatements = allStatements(json('envelope', stack)).filter(
        ({ resource }) => !Object.keys(resourcesOfType(json('envelope', stack), 'AWS::KMS::Key')).includes(resource),
      );
      expect(iamStatements.filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('kms:')))).toEqual(
        [],
      );
    }
  });

  test('one signing-key custom resource per key, naming the table, the wrapping key, the stage, the key and its algorithm', () => {
    const stateful = json('envelope', 'stateful');
    const resources = resourcesOfType(stateful, 'Custom::IdpSigningKey');
    const wrappingKey = logicalIdOf(stateful, 'AWS::KMS::Key', 'SigningWrappingKey');
    const table = logicalIdOf(stateful, 'AWS::DynamoDB::Table', 'Table');
    expect(Object.keys(resources)).toEqual([expect.stringMatching(/^SigningKeyMaterial/)]);
    const { ServiceToken: _token, ...props } = Object.values(resources)[0]!.Properties!;
    expect(props).toEqual({
      TableName: { Ref: table },
      WrappingKeyArn: { 'Fn::GetAtt': [wrappingKey, 'Arn'] },
      StageName: 'prod',
      KeyId: 'initial',
      Algorithm: 'RS256',
    });
    const rotating = resourcesOfType(json('rotatingEnvelope', 'stateful'), 'Custom::IdpSigningKey');
    expect(Object.values(rotating).map((r) => r.Properties!['KeyId'])).toEqual(['initial', 'k2']);
  });

  test('the signing-key function may read, write and delete signing-key records only', () => {
    const stateful = json('envelope', 'stateful');
    const role = logicalIdOf(stateful, 'AWS::IAM::Role', 'SigningKeyFunctionRole');
    const statements = allStatements(stateful)
      .filter(({ resource }) => resource.startsWith('SigningKeyFunctionRoleDefaultPolicy'))
      .map(({ statement }) => statement)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(role).toMatch(/^SigningKeyFunctionRole/);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::DynamoDB::Table', 'Table'), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SIGNKEY#*'] } },
      },
    ]);
  });

  test('the token function decrypts the active key by id; discovery reads the public keys of every key', () => {
    const token = environmentOf('rotatingEnvelope', 'token');
    expect(token).toMatchObject({
      IDP_SIGNING_MODE: 'envelope',
      IDP_SIGNING_KEY_ID: 'initial',
      IDP_STAGE_NAME: 'prod',
      IDP_SIGNING_ALG: 'RS256',
    });
    expect(JSON.stringify(token['IDP_ENVELOPE_KEY_ARN'])).toMatch(/SigningWrappingKey/);
    expect(token).not.toHaveProperty('IDP_SIGNING_KEY_ARN');
    const discovery = environmentOf('rotatingEnvelope', 'discovery');
    expect(discovery).toMatchObject({
      IDP_SIGNING_MODE: 'envelope',
      IDP_PUBLISHED_KEY_IDS: 'initial,k2',
      IDP_PUBLISHED_KEY_ID_ALGS: 'RS256,RS256',
      IDP_STAGE_NAME: 'prod',
    });
    expect(discovery).not.toHaveProperty('IDP_PUBLISHED_KEY_ARNS');
    const stateful = json('envelope', 'stateful');
    const discoveryReads = allStatements(stateful)
      .filter(({ resource }) => resource.startsWith('DiscoveryFunctionRoleDefaultPolicy'))
      .map(({ statement }) => statement)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(discoveryReads).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::DynamoDB::Table', 'Table'), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SIGNKEY#*'] } },
      },
    ]);
  });

  test('a kms stage moving to envelope by rotation publishes the retired KMS key and the new envelope key', () => {
    const stateful = json('migrating', 'stateful');
    const specs = Object.values(resourcesOfType(stateful, 'AWS::KMS::Key')).map((k) => k.Properties!['KeySpec']);
    expect(specs.sort()).toEqual(['RSA_2048', 'SYMMETRIC_DEFAULT']);
    expect(environmentOf('migrating', 'token')).toMatchObject({
      IDP_SIGNING_MODE: 'envelope',
      IDP_SIGNING_KEY_ID: 'env2026',
    });
    const discovery = environmentOf('migrating', 'discovery');
    expect(discovery).toMatchObject({ IDP_SIGNING_MODE: 'envelope', IDP_PUBLISHED_KEY_IDS: 'env2026' });
    expect(JSON.stringify(discovery['IDP_PUBLISHED_KEY_ARNS'])).toMatch(/SigningKey/);
  });

  test('cdk-nag: every envelope stage passes the AWS Solutions rules', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});
