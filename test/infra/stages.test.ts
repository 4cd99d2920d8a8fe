/**
 * The four stages as synthesized (without bundling; bundle-smoke.test.ts synthesizes real bundles):
 * stage differences, least privilege (IAM and key policy), function runtime/arch/log retention,
 * routes and the admin authorizer, throttling, alarms, concurrency, domains, edge protection, and
 * cdk-nag's AWS Solutions rules with only the documented acknowledgements.
 */
import { App, Duration, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { SigningKeyConfig, StageName } from '../../lib/config';
import { STAGE_DEFAULTS, STAGE_NAMES, removableSigningKeys, resolveStageConfig } from '../../lib/config';
import { SIGN_IN_FUNCTION_PATHS } from '../../lambdas/domain/endpoints/paths';
import { IdpStage } from '../../lib/idp-stage';
import type { CfnResource, CfnTemplate, Statement, SynthesizedApp } from './cdk-app';
import { actionsOf, allStatements, cdkJsonContext, resourcesOfType, synthApp } from './cdk-app';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const PROD_CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/prod-edge`;
const TEST_CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/test-regional`;
const CONTEXT = {
  'idp:account': ACCOUNT,
  'idp:region': REGION,
  'idp:prod:domainName': 'idp.example.com',
  'idp:prod:certificateArn': PROD_CERT,
  'idp:prod:hostedZoneId': 'Z0PROD',
  'idp:prod:hostedZoneName': 'example.com',
  'idp:prod:alarmTopicArn': `arn:aws:sns:${REGION}:${ACCOUNT}:idp-alarms`,
  'idp:test:domainName': 'idp-test.example.com',
  'idp:test:certificateArn': TEST_CERT,
  'idp:test:hostedZoneId': 'Z0TEST',
  'idp:test:hostedZoneName': 'example.com',
};

/** What each stage must look like (written out, not derived from lib/config.ts). */
const EXPECTED: Record<
  StageName,
  {
    retentionDays: number;
    pitr: boolean;
    deletionProtection: boolean;
    deletionPolicy: 'Retain' | 'Delete';
    alarms: boolean;
    reserved?: number;
    provisioned?: number;
    edge: boolean;
    tokenThrottle: [number, number];
    defaultThrottle: [number, number];
  }
> = {
  dev: {
    retentionDays: 7,
    pitr: false,
    deletionProtection: false,
    deletionPolicy: 'Delete',
    alarms: false,
    edge: false,
    tokenThrottle: [50, 100],
    defaultThrottle: [50, 100],
  },
  test: {
    retentionDays: 14,
    pitr: true,
    deletionProtection: false,
    deletionPolicy: 'Delete',
    alarms: false,
    edge: false,
    tokenThrottle: [100, 200],
    defaultThrottle: [100, 200],
  },
  staging: {
    retentionDays: 30,
    pitr: true,
    deletionProtection: true,
    deletionPolicy: 'Retain',
    alarms: true,
    reserved: 50,
    edge: true,
    tokenThrottle: [200, 400],
    defaultThrottle: [100, 200],
  },
  prod: {
    retentionDays: 90,
    pitr: true,
    deletionProtection: true,
    deletionPolicy: 'Retain',
    alarms: true,
    reserved: 200,
    provisioned: 2,
    edge: true,
    tokenThrottle: [1000, 2000],
    defaultThrottle: [200, 400],
  },
};

let synth: SynthesizedApp;

// Four stages with cdk-nag: allow for a busy 2-core machine.
beforeAll(() => {
  synth = synthApp(CONTEXT);
}, 120_000);

afterAll(() => synth?.cleanup());

/** The logical id of the only resource of a type whose id starts with a prefix. */
function logicalId(template: CfnTemplate, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ')}`);
  return ids[0] as string;
}

describe.each(STAGE_NAMES)('stage %s', (stage) => {
  const expected = EXPECTED[stage];

  test('stack names and environment come from context', () => {
    const names = synth.assemblies[stage].stacks.map(
      (s) => `${s.stackName} ${s.environment.account}/${s.environment.region}`,
    );
    expect(names.sort()).toEqual(
      [
        `serverless-idp-${stage}-api ${ACCOUNT}/${REGION}`,
        `serverless-idp-${stage}-stateful ${ACCOUNT}/${REGION}`,
        ...(expected.edge ? [`serverless-idp-${stage}-edge-waf ${ACCOUNT}/us-east-1`] : []),
      ].sort(),
    );
    for (const s of synth.assemblies[stage].stacks) expect(s.terminationProtection).toBe(expected.deletionProtection);
  });

  test('table: on-demand, key schema, gsi1 (ALL), TTL, PITR, deletion protection and policy', () => {
    const tables = resourcesOfType(synth.json(stage, 'stateful'), 'AWS::DynamoDB::Table');
    expect(Object.values(tables)).toHaveLength(1);
    const table = Object.values(tables)[0]!;
    expect(table.DeletionPolicy).toBe(expected.deletionPolicy);
    expect(table.UpdateReplacePolicy).toBe(expected.deletionPolicy);
    expect(table.Properties).toEqual({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: expected.pitr },
      DeletionProtectionEnabled: expected.deletionProtection,
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      // SSEEnabled without a key: the AWS managed key aws/dynamodb.
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('signing key: RSA_2048 SIGN_VERIFY, stage alias, removal policy', () => {
    const t = synth.template(stage, 'stateful');
    // The one key of every stage, never replaced: its logical id is pinned (a new key breaks every token in flight).
    expect(Object.keys(resourcesOfType(synth.json(stage, 'stateful'), 'AWS::KMS::Key'))).toEqual([
      'SigningKeyEEFC2790',
    ]);
    t.hasResource('AWS::KMS::Key', {
      DeletionPolicy: expected.deletionPolicy,
      Properties: Match.objectLike({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
    });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/serverless-idp/${stage}/signing` });
    const secrets = resourcesOfType(synth.json(stage, 'stateful'), 'AWS::SecretsManager::Secret');
    // The pepper, the bootstrap client's credentials and the first admin person's.
    expect(Object.values(secrets).map((s) => s.DeletionPolicy)).toEqual([
      expected.deletionPolicy,
      expected.deletionPolicy,
      expected.deletionPolicy,
    ]);
  });

  test('key policy: token role may only Sign digests with RS256; discovery role only GetPublicKey; admins cannot use the key', () => {
    const json = synth.json(stage, 'stateful');
    const tokenRole = logicalId(json, 'AWS::IAM::Role', 'TokenFunctionRole');
    const discoveryRole = logicalId(json, 'AWS::IAM::Role', 'DiscoveryFunctionRole');
    const key = Object.values(resourcesOfType(json, 'AWS::KMS::Key'))[0]!;
    const statements = (key.Properties!['KeyPolicy'] as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(3);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid['TokenFunctionSignsDigestsOnly']).toEqual({
      Sid: 'TokenFunctionSignsDigestsOnly',
      Effect: 'Allow',
      Action: 'kms:Sign',
      Principal: { AWS: { 'Fn::GetAtt': [tokenRole, 'Arn'] } },
      Resource: '*',
      Condition: { StringEquals: { 'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256', 'kms:MessageType': 'DIGEST' } },
    });
    expect(bySid['DiscoveryFunctionReadsPublicKey']).toEqual({
      Sid: 'DiscoveryFunctionReadsPublicKey',
      Effect: 'Allow',
      Action: 'kms:GetPublicKey',
      Principal: { AWS: { 'Fn::GetAtt': [discoveryRole, 'Arn'] } },
      Resource: '*',
    });
    const admin = bySid['AccountAdministersButCannotUse']!;
    for (const action of [
      'kms:Sign',
      'kms:Verify',
      'kms:GetPublicKey',
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:CreateGrant',
    ]) {
      expect(actionsOf(admin)).not.toContain(action);
    }
    expect(actionsOf(admin).every((a) => a.startsWith('kms:') && !a.includes('*'))).toBe(true);
  });

  test('no IAM policy in any stack of the stage grants a KMS action (signing is the key policy alone)', () => {
    for (const stack of ['stateful', 'api'] as const) {
      const iamStatements = allStatements(synth.json(stage, stack)).filter(
        ({ resource }) => synth.json(stage, stack).Resources[resource]!.Type !== 'AWS::KMS::Key',
      );
      const kms = iamStatements.filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('kms:')));
      expect(kms).toEqual([]);
    }
  });

  test('admin and authorizer roles: no kms:Sign anywhere, exact data-plane permissions', () => {
    const json = synth.json(stage, 'stateful');
    const roleId = (prefix: string) => logicalId(json, 'AWS::IAM::Role', prefix);
    const statementsOfRole = (role: string) =>
      Object.values(resourcesOfType(json, 'AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties!['Roles']) === JSON.stringify([{ Ref: role }]))
        .flatMap((p) => (p.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement);
    const table = logicalId(json, 'AWS::DynamoDB::Table', 'Table');
    const pepper = logicalId(json, 'AWS::SecretsManager::Secret', 'PepperSecret');
    const xray = {
      Effect: 'Allow',
      Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      Resource: '*',
    };
    expect(statementsOfRole(roleId('AuthorizerFunctionRole'))).toEqual([
      // The status attribute (and keys) only: never a secret hash or a rule.
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'status'] },
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLIENT#*', 'USER#*', 'DENY#*', 'DENYSID#*'] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES', 'dynamodb:ReturnValues': 'NONE' },
        },
      },
      xray,
    ]);
    expect(statementsOfRole(roleId('AdminFunctionRole'))).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: [
          { 'Fn::GetAtt': [table, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/gsi1']] },
        ],
      },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: pepper } },
      xray,
    ]);
    const tableArn = { 'Fn::GetAtt': [table, 'Arn'] };
    const partitions = (action: string | string[], leadingKeys: string[], attributes?: string[]) => ({
      Effect: 'Allow',
      Action: action,
      Resource: tableArn,
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys },
        ...(attributes === undefined ? {} : { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': attributes } }),
      },
    });
    expect(statementsOfRole(roleId('TokenFunctionRole'))).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: tableArn },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt'] } },
      },
      // Code redemption (one conditional UpdateItem) and the deny-list entry of a replayed code's token.
      partitions('dynamodb:UpdateItem', ['CODE#*']),
      partitions('dynamodb:PutItem', ['DENY#*']),
      // Refresh-token sessions: rotation, creation (entry under USERTOKENS#, the user only checked), reuse.
      partitions(['dynamodb:PutItem', 'dynamodb:UpdateItem'], ['SESSION#*', 'USERTOKENS#*', 'DENYSID#*']),
      partitions('dynamodb:DeleteItem', ['USERTOKENS#*']),
      partitions('dynamodb:ConditionCheckItem', ['USER#*']),
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: pepper } },
      xray,
    ]);
    // The hosted pages: their item kinds only, the pepper, and no KMS permission of any kind.
    expect(statementsOfRole(roleId('SignInFunctionRole'))).toEqual([
      partitions(
        ['dynamodb:GetItem', 'dynamodb:Query'],
        ['CLIENT#*', 'API#*', 'USER#*', 'USERNAME#*', 'SETUP#*', 'SIGNIN#*', 'AUTHREQ#*', 'CONSENT#*'],
      ),
      partitions('dynamodb:PutItem', ['USER#*', 'SIGNIN#*', 'AUTHREQ#*', 'CONSENT#*', 'CODE#*', 'AUDIT']),
      partitions('dynamodb:DeleteItem', ['SETUP#*', 'SIGNIN#*', 'AUTHREQ#*']),
      partitions('dynamodb:UpdateItem', ['USER#*'], ['pk', 'sk', 'failedSignIns', 'lockedUntil']),
      // Code entries, the session cap and a new password's revocations (docs/data-model.md, Sessions).
      partitions(['dynamodb:DeleteItem', 'dynamodb:Query'], ['USERTOKENS#*']),
      partitions('dynamodb:PutItem', ['USERTOKENS#*', 'DENYSID#*']),
      partitions('dynamodb:UpdateItem', ['SESSION#*', 'CODE#*'], ['pk', 'sk', 'revokedAt', 'revokedReason']),
      partitions('dynamodb:ConditionCheckItem', ['USER#*']),
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: pepper } },
      xray,
    ]);
    // userinfo: a user's collection and the deny-list; no pepper, no KMS (it verifies with the public JWKS).
    expect(statementsOfRole(roleId('UserinfoFunctionRole'))).toEqual([
      partitions(['dynamodb:GetItem', 'dynamodb:Query'], ['USER#*', 'DENY#*', 'DENYSID#*']),
      xray,
    ]);
    expect(statementsOfRole(roleId('DiscoveryFunctionRole'))).toEqual([xray]);
    // The roles carry no managed policies (no AWSLambdaBasicExecutionRole with logs:* on every group).
    for (const prefix of [
      'TokenFunctionRole',
      'DiscoveryFunctionRole',
      'AdminFunctionRole',
      'AuthorizerFunctionRole',
      'SignInFunctionRole',
      'UserinfoFunctionRole',
    ]) {
      expect(json.Resources[roleId(prefix)]!.Properties!['ManagedPolicyArns']).toBeUndefined();
    }
  });

  test('no wildcard actions; Resource "*" only where the action has no resource-level permissions', () => {
    for (const stack of ['stateful', 'api'] as const) {
      for (const { resource, statement } of allStatements(synth.json(stage, stack))) {
        for (const action of actionsOf(statement)) {
          expect({ resource, action }).not.toEqual({ resource, action: expect.stringMatching(/(^\*$)|(:\*$)/) });
        }
        const isKeyPolicy = synth.json(stage, stack).Resources[resource]!.Type === 'AWS::KMS::Key';
        if (statement.Resource === '*' && !isKeyPolicy) {
          expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        }
      }
    }
  });

  test('every IdP function is nodejs22.x on arm64, traced, with its own log group at the stage retention', () => {
    const json = synth.json(stage, 'api');
    const fns = resourcesOfType(json, 'AWS::Lambda::Function');
    const ours = Object.entries(fns).filter(([id]) => !id.startsWith('BootstrapProviderframework'));
    expect(ours.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AdminFunction',
      'AuthorizerFunction',
      'BootstrapFunction',
      'ConsoleFunction',
      'DiscoveryFunction',
      'SignInFunction',
      'TokenFunction',
      'UserinfoFunction',
    ]);
    for (const [id, fn] of Object.entries(fns)) {
      const p = fn.Properties!;
      const logGroup = (p['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect({ id, retention: json.Resources[logGroup]!.Properties!['RetentionInDays'] }).toEqual({
        id,
        retention: expected.retentionDays,
      });
      if (id.startsWith('BootstrapProviderframework')) continue; // aws-cdk-lib's own relay function
      expect({ id, runtime: p['Runtime'], arch: p['Architectures'], tracing: p['TracingConfig'] }).toEqual({
        id,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
        tracing: { Mode: 'Active' },
      });
      expect(p['Handler']).toBe('index.handler');
      const variables = (p['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: `serverless-idp/${stage}` });
      // Source maps stay in the asset but are not parsed at every cold start.
      expect(variables).not.toHaveProperty('NODE_OPTIONS');
    }
    // The access log group of the API stage keeps the same retention.
    const stageLog = resourcesOfType(json, 'AWS::Logs::LogGroup');
    expect(Object.values(stageLog).every((g) => g.Properties!['RetentionInDays'] === expected.retentionDays)).toBe(
      true,
    ); // Every log group follows the stage's removal policy: kept with staging/prod, removed with dev/test.
    expect(new Set(Object.values(stageLog).map((g) => g.DeletionPolicy))).toEqual(new Set([expected.deletionPolicy]));
  });

  test('routes: token, discovery, JWKS public; admin proxy behind the Lambda authorizer', () => {
    const json = synth.json(stage, 'api');
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).map((r) => ({
      key: r.Properties!['RouteKey'],
      auth: r.Properties!['AuthorizationType'] ?? 'NONE',
      authorizer: r.Properties!['AuthorizerId'] !== undefined,
    }));
    expect(routes.sort((a, b) => String(a.key).localeCompare(String(b.key)))).toEqual([
      { key: 'ANY /admin/{proxy+}', auth: 'CUSTOM', authorizer: true },
      { key: 'GET /.well-known/jwks.json', auth: 'NONE', authorizer: false },
      { key: 'GET /.well-known/oauth-authorization-server', auth: 'NONE', authorizer: false },
      { key: 'GET /.well-known/openid-configuration', auth: 'NONE', authorizer: false },
      { key: 'GET /admin/openapi.json', auth: 'NONE', authorizer: false },
      { key: 'GET /console', auth: 'NONE', authorizer: false },
      { key: 'GET /console/{proxy+}', auth: 'NONE', authorizer: false },
      { key: 'GET /oauth2/assets/pages.css', auth: 'NONE', authorizer: false },
      { key: 'GET /oauth2/authorize', auth: 'NONE', authorizer: false },
      { key: 'GET /oauth2/consent', auth: 'NONE', authorizer: false },
      { key: 'GET /oauth2/logout', auth: 'NONE', authorizer: false },
      { key: 'GET /oauth2/set-password', auth: 'NONE', authorizer: false },
      { key: 'GET /oauth2/userinfo', auth: 'NONE', authorizer: false },
      { key: 'HEAD /console', auth: 'NONE', authorizer: false },
      { key: 'HEAD /console/{proxy+}', auth: 'NONE', authorizer: false },
      { key: 'HEAD /oauth2/assets/pages.css', auth: 'NONE', authorizer: false },
      { key: 'HEAD /oauth2/authorize', auth: 'NONE', authorizer: false },
      { key: 'HEAD /oauth2/consent', auth: 'NONE', authorizer: false },
      { key: 'HEAD /oauth2/logout', auth: 'NONE', authorizer: false },
      { key: 'HEAD /oauth2/set-password', auth: 'NONE', authorizer: false },
      { key: 'OPTIONS /oauth2/revoke', auth: 'NONE', authorizer: false },
      { key: 'OPTIONS /oauth2/token', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/consent', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/introspect', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/logout', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/revoke', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/set-password', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/sign-in', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/token', auth: 'NONE', authorizer: false },
      { key: 'POST /oauth2/userinfo', auth: 'NONE', authorizer: false },
    ]);
    // Each route reaches its function: the hosted pages the sign-in function, userinfo its own, the
    // preflight the token function (which answers CORS itself: the API has no CORS configuration).
    const integrationOf = (routeKey: string) => {
      const route = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).find(
        (r) => r.Properties!['RouteKey'] === routeKey,
      )!;
      const target = (route.Properties!['Target'] as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as {
        Ref: string;
      };
      const uri = JSON.stringify(json.Resources[target.Ref]!.Properties!['IntegrationUri']);
      return /"(\w+?)Function(?:Live)?[0-9A-F]{8}"/.exec(uri)?.[1];
    };
    for (const path of SIGN_IN_FUNCTION_PATHS) {
      const owner = path === '/oauth2/userinfo' ? 'Userinfo' : 'SignIn';
      const keys = routes.map((r) => String(r.key)).filter((k) => k.endsWith(` ${path}`));
      expect({ path, routed: keys.length > 0 }).toEqual({ path, routed: true });
      for (const key of keys) expect({ key, fn: integrationOf(key) }).toEqual({ key, fn: owner });
    }
    expect(integrationOf('OPTIONS /oauth2/token')).toBe('Token');
    // RFC 7009 / RFC 7662 on the token function, which authenticates their clients the same way.
    for (const key of ['POST /oauth2/revoke', 'OPTIONS /oauth2/revoke', 'POST /oauth2/introspect']) {
      expect({ key, fn: integrationOf(key) }).toEqual({ key, fn: 'Token' });
    }
    const api = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Api'))[0]!;
    expect(api.Properties!['CorsConfiguration']).toBeUndefined();
    const authorizerFn = logicalId(json, 'AWS::Lambda::Function', 'AuthorizerFunction');
    synth.template(stage, 'api').hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization', '$context.httpMethod', '$context.routeKey'],
      // No result cache on the admin API: a disabled admin is refused at the next call.
      AuthorizerResultTtlInSeconds: 0,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [authorizerFn, 'Arn'] }])],
      }),
    });
    const authorizerEnv = (
      json.Resources[authorizerFn]!.Properties!['Environment'] as { Variables: Record<string, unknown> }
    ).Variables;
    expect(authorizerEnv['IDP_ROUTE_SCOPES']).toBe('{"GET":["admin:read"],"*":["admin:write"]}');
    // People's tokens too (idp login, the console); the admin function checks the person.
    expect(authorizerEnv['IDP_SUBJECT']).toBe('any');
  });

  test('throttling: stage default and the token route', () => {
    synth.template(stage, 'api').hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: expected.defaultThrottle[0],
        ThrottlingBurstLimit: expected.defaultThrottle[1],
      },
      RouteSettings: {
        'POST /oauth2/token': {
          ThrottlingRateLimit: expected.tokenThrottle[0],
          ThrottlingBurstLimit: expected.tokenThrottle[1],
          DetailedMetricsEnabled: true,
        },
        'POST /oauth2/revoke': {
          ThrottlingRateLimit: expected.tokenThrottle[0],
          ThrottlingBurstLimit: expected.tokenThrottle[1],
          DetailedMetricsEnabled: true,
        },
        'POST /oauth2/introspect': {
          ThrottlingRateLimit: expected.tokenThrottle[0],
          ThrottlingBurstLimit: expected.tokenThrottle[1],
          DetailedMetricsEnabled: true,
        },
      },
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"') }),
    });
  });

  test('per-client views: saved Logs Insights queries over the token log group', () => {
    const queries = Object.values(resourcesOfType(synth.json(stage, 'api'), 'AWS::Logs::QueryDefinition')).map(
      (q) => q.Properties!['Name'],
    );
    expect(queries.sort()).toEqual([
      `serverless-idp/${stage}/token-denials-per-client`,
      `serverless-idp/${stage}/tokens-per-client`,
    ]);
    synth.template(stage, 'api').hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: `serverless-idp/${stage}/tokens-per-client`,
      QueryString: Match.stringLikeRegexp(
        'stats sum\\(TokensIssued\\) as issued, sum\\(TokensReused\\) as reused by clientId',
      ),
    });
  });

  test('alarms only where enabled', () => {
    const alarms = resourcesOfType(synth.json(stage, 'api'), 'AWS::CloudWatch::Alarm');
    if (!expected.alarms) {
      expect(alarms).toEqual({});
      return;
    }
    const names = Object.values(alarms).map((a) => a.Properties!['AlarmName']);
    expect(names.sort()).toEqual(
      [
        'Api4xxSpike',
        'Api5xx',
        'TokenLatencyP99',
        'TokenErrors',
        'TokenThrottles',
        'DiscoveryErrors',
        'DiscoveryThrottles',
        'AdminErrors',
        'AdminThrottles',
        'AuthorizerErrors',
        'AuthorizerThrottles',
        'SignInErrors',
        'SignInThrottles',
        'SignInInitFailures',
        'UserinfoErrors',
        'UserinfoThrottles',
        'DynamoDbThrottles',
        'DynamoDbSystemErrors',
        'KmsSignErrors',
        'KmsThrottling',
        'KmsSignRateNearQuota',
        'StoreErrors',
        'TokenInitFailures',
        'RefreshTokenReuse',
        'RevocationFailures',
      ]
        .map((n) => `serverless-idp-${stage}-${n}`)
        .sort(),
    );
    synth.template(stage, 'api').hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `serverless-idp-${stage}-TokenLatencyP99`,
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Dimensions: Match.arrayWith([
        { Name: 'Method', Value: 'POST' },
        { Name: 'Resource', Value: '/oauth2/token' },
      ]),
    });
    // The token function's EMF metrics: refresh-token reuse (a likely theft) and failed revocations.
    for (const [alarm, metric] of [
      ['RefreshTokenReuse', 'RefreshTokenReuse'],
      ['RevocationFailures', 'RevocationsFailed'],
    ] as const) {
      synth.template(stage, 'api').hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `serverless-idp-${stage}-${alarm}`,
        MetricName: metric,
        Namespace: `serverless-idp/${stage}`,
        Dimensions: [{ Name: 'service', Value: 'serverless-idp' }],
        Statistic: 'Sum',
        Threshold: 1,
      });
    }
    synth.template(stage, 'api').hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.message = "dependency unavailable") && ($.dependency = "signer") }',
      MetricTransformations: [
        { MetricName: 'KmsSignFailures', MetricNamespace: `serverless-idp/${stage}`, MetricValue: '1' },
      ],
    });
    const topicActions = Object.values(alarms).map((a) => a.Properties!['AlarmActions']);
    if (stage === 'prod')
      expect(topicActions.every((a) => JSON.stringify(a) === JSON.stringify([CONTEXT['idp:prod:alarmTopicArn']]))).toBe(
        true,
      );
    else expect(topicActions.every((a) => a === undefined)).toBe(true);
  });

  test('token function concurrency', () => {
    const json = synth.json(stage, 'api');
    const token = json.Resources[logicalId(json, 'AWS::Lambda::Function', 'TokenFunction')]!;
    expect(token.Properties!['ReservedConcurrentExecutions']).toBe(expected.reserved);
    const aliases = Object.values(resourcesOfType(json, 'AWS::Lambda::Alias'));
    if (expected.provisioned === undefined) {
      expect(aliases).toEqual([]);
    } else {
      expect(aliases.map((a) => [a.Properties!['Name'], a.Properties!['ProvisionedConcurrencyConfig']])).toEqual([
        ['live', { ProvisionedConcurrentExecutions: expected.provisioned }],
      ]);
      // The API invokes the alias, not $LATEST.
      const integration = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Integration')).find((i) =>
        JSON.stringify(i.Properties!['IntegrationUri']).includes('TokenFunctionLive'),
      );
      expect(integration).toBeDefined();
    }
  });

  test('issuer, custom domain and DNS', () => {
    const json = synth.json(stage, 'api');
    const issuer = json.Outputs!['Issuer']!.Value;
    const domainNames = resourcesOfType(json, 'AWS::ApiGatewayV2::DomainName');
    const records = Object.values(resourcesOfType(json, 'AWS::Route53::RecordSet'));
    const api = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Api'))[0]!;
    if (stage === 'prod') {
      expect(issuer).toBe('https://idp.example.com');
      expect(domainNames).toEqual({});
      synth.template(stage, 'api').hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Aliases: ['idp.example.com'],
          ViewerCertificate: {
            AcmCertificateArn: PROD_CERT,
            MinimumProtocolVersion: 'TLSv1.2_2021',
            SslSupportMethod: 'sni-only',
          },
        }),
      });
      expect(records.map((r) => [r.Properties!['Type'], r.Properties!['Name'], r.Properties!['HostedZoneId']])).toEqual(
        [
          ['A', 'idp.example.com.', 'Z0PROD'],
          ['AAAA', 'idp.example.com.', 'Z0PROD'],
        ],
      );
      expect(api.Properties!['DisableExecuteApiEndpoint']).toBe(false);
    } else if (stage === 'test') {
      expect(issuer).toBe('https://idp-test.example.com');
      expect(Object.values(domainNames).map((d) => d.Properties)).toEqual([
        {
          DomainName: 'idp-test.example.com',
          DomainNameConfigurations: [
            { CertificateArn: TEST_CERT, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
          ],
        },
      ]);
      synth.template(stage, 'api').resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
      expect(records.map((r) => [r.Properties!['Type'], r.Properties!['Name']])).toEqual([
        ['A', 'idp-test.example.com.'],
        ['AAAA', 'idp-test.example.com.'],
      ]);
      // The custom domain is the only way in: one issuer.
      expect(api.Properties!['DisableExecuteApiEndpoint']).toBe(true);
    } else if (stage === 'staging') {
      const distribution = logicalId(json, 'AWS::CloudFront::Distribution', 'Edge');
      expect(issuer).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] });
      expect(domainNames).toEqual({});
      expect(records).toEqual([]);
    } else {
      const apiId = logicalId(json, 'AWS::ApiGatewayV2::Api', 'HttpApi');
      expect(issuer).toEqual({
        'Fn::Join': ['', ['https://', { Ref: apiId }, `.execute-api.${REGION}.`, { Ref: 'AWS::URLSuffix' }]],
      });
      expect(domainNames).toEqual({});
      expect(records).toEqual([]);
    }
    // Every function that needs the issuer gets the same value.
    for (const prefix of [
      'TokenFunction',
      'DiscoveryFunction',
      'AdminFunction',
      'AuthorizerFunction',
      'SignInFunction',
      'UserinfoFunction',
    ]) {
      const fn = json.Resources[logicalId(json, 'AWS::Lambda::Function', prefix)]!;
      expect((fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables['IDP_ISSUER']).toEqual(
        issuer,
      );
    }
  });

  test('edge protection: CloudFront + WAF (per-IP rate limit on the token path) only where enabled', () => {
    const api = synth.json(stage, 'api');
    const distributions = resourcesOfType(api, 'AWS::CloudFront::Distribution');
    if (!expected.edge) {
      expect(distributions).toEqual({});
      expect(resourcesOfType(api, 'AWS::WAFv2::WebACL')).toEqual({});
      // No CloudFront, no origin check: the functions answer the execute-api host directly.
      expect(resourcesOfType(api, 'AWS::SecretsManager::Secret')).toEqual({});
      expect(JSON.stringify(api)).not.toContain('IDP_ORIGIN_VERIFY_SECRET_ARN');
      return;
    }
    expect(Object.keys(distributions)).toHaveLength(1);
    const waf = synth.template(stage, 'edge-waf');
    const config = resolveStageConfig(stage, { tryGetContext: () => undefined }, {});
    waf.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'TokenEndpointPerIpRateLimit',
          Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
          Statement: {
            RateBasedStatement: {
              AggregateKeyType: 'IP',
              EvaluationWindowSec: 300,
              Limit: config.edgeProtection.tokenRequestsPerIpPer5Min,
              // One bucket for every endpoint that checks a client secret.
              ScopeDownStatement: {
                OrStatement: {
                  Statements: ['/oauth2/token', '/oauth2/revoke', '/oauth2/introspect'].map((path) => ({
                    ByteMatchStatement: {
                      FieldToMatch: { UriPath: {} },
                      PositionalConstraint: 'STARTS_WITH',
                      SearchString: path,
                      TextTransformations: [
                        { Priority: 0, Type: 'URL_DECODE' },
                        { Priority: 1, Type: 'NORMALIZE_PATH' },
                      ],
                    },
                  })),
                },
              },
            },
          },
        }),
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' }),
          },
        }),
      ]),
    });
    const distribution = Object.values(distributions)[0]!.Properties!['DistributionConfig'] as Record<string, unknown>;
    // The web ACL lives in us-east-1 (CLOUDFRONT scope) and reaches the API stack as a cross-region reference.
    expect(distribution['WebACLId']).toEqual({
      'Fn::GetStackOutput': expect.objectContaining({
        StackName: `serverless-idp-${stage}-edge-waf`,
        Region: 'us-east-1',
      }),
    });
    expect(distribution['DefaultCacheBehavior']).toEqual(
      expect.objectContaining({
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
        ViewerProtocolPolicy: 'https-only',
      }),
    );
    // CloudFront proves itself to the API with a secret header (a deploy-time dynamic reference, never
    // the value in the template), and the request-path functions read the expected value.
    const [origin] = distribution['Origins'] as Record<string, unknown>[];
    expect(origin!['OriginCustomHeaders']).toEqual([
      {
        HeaderName: 'x-origin-verify',
        HeaderValue: expect.objectContaining({
          'Fn::Join': ['', expect.arrayContaining(['{{resolve:secretsmanager:', ':SecretString:::}}'])],
        }),
      },
    ]);
    const json = synth.json(stage, 'api');
    for (const prefix of [
      'TokenFunction',
      'DiscoveryFunction',
      'AdminFunction',
      'SignInFunction',
      'UserinfoFunction',
    ]) {
      const fn = json.Resources[logicalId(json, 'AWS::Lambda::Function', prefix)]!;
      expect(Object.keys((fn.Properties!['Environment'] as { Variables: object }).Variables)).toContain(
        'IDP_ORIGIN_VERIFY_SECRET_ARN',
      );
    }
    synth.template(stage, 'api').hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'secretsmanager:GetSecretValue',
            Effect: 'Allow',
            Resource: { Ref: logicalId(json, 'AWS::SecretsManager::Secret', 'OriginVerifySecret') },
          },
        ],
      },
    });
    // Metadata and JWKS: cached, but keyed on no header, so API Gateway gets its own Host (a viewer
    // Host forwarded to the execute-api origin is answered 403).
    const [wellKnown] = (distribution['CacheBehaviors'] as Record<string, unknown>[]).filter(
      (b) => b['PathPattern'] === '/.well-known/*',
    );
    expect(wellKnown).toEqual(expect.objectContaining({ ViewerProtocolPolicy: 'https-only' }));
    expect(wellKnown).not.toHaveProperty('OriginRequestPolicyId');
    const policyId = (wellKnown!['CachePolicyId'] as { Ref: string }).Ref;
    const policy = synth.template(stage, 'api').toJSON()['Resources'][policyId] as {
      Properties: { CachePolicyConfig: { ParametersInCacheKeyAndForwardedToOrigin: Record<string, unknown> } };
    };
    expect(policy.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin).toEqual(
      expect.objectContaining({
        HeadersConfig: { HeaderBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
      }),
    );
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  test('synthesis passed the rules with only the documented acknowledgements', () => {
    // Synthesis would have thrown on an unacknowledged finding (beforeAll). Here: run the pack on the
    // same templates without the acknowledgements, and check that everything it finds is one of the
    // acknowledged, documented exceptions — so the pack really ran, and nothing else was waived.
    expect(new AwsSolutionsChecks().validateScope(synth.app).violations).toEqual([]);
    const unacknowledged = new AwsSolutionsChecks();
    Object.defineProperty(unacknowledged, 'isAcknowledged', { value: () => false });
    const raw = unacknowledged.validateScope(synth.app).violations;
    // Logical-id hashes normalised: `<TableCD117FA1.Arn>` → `<Table.Arn>`.
    const found = [
      ...new Set(raw.map((v) => `${v.ruleName.replace(/([A-Za-z])[0-9A-F]{8}\./g, '$1.')} ${v.severity}`)),
    ];
    expect(found.sort()).toEqual(
      [
        // Public OAuth endpoints: RFC 6749 §2.3 client authentication, RFC 8414 / RFC 7517 public documents.
        'AwsSolutions-APIG4 error',
        // Worldwide partner clients; origin access log + WAF sampling instead of CloudFront logs.
        'AwsSolutions-CFR1 warning',
        'AwsSolutions-CFR3 error',
        // Staging has no custom domain: CloudFront's default certificate fixes the TLS policy.
        'AwsSolutions-CFR4 error',
        // dev runs without PITR by configuration.
        'AwsSolutions-DDB3 warning',
        // The CDK provider framework's own function: managed basic execution role, invoke <arn>:*.
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] error',
        'AwsSolutions-IAM5[Resource::<BootstrapFunction.Arn>:*] error',
        // X-Ray has no resource-level permissions.
        'AwsSolutions-IAM5[Resource::*] error',
        // Node.js 22 pinned with the esbuild target.
        'AwsSolutions-L1 error',
        // Pepper, bootstrap and admin person secrets are rotated by procedure, not by Secrets Manager rotation.
        'AwsSolutions-SMG4 error',
      ].sort(),
    );
  });

  test('stage configuration from context', () => {
    const config = resolveStageConfig(
      'prod',
      { tryGetContext: (key: string) => (CONTEXT as Record<string, string>)[key] },
      {},
    );
    expect(config.customDomain).toEqual({
      domainName: 'idp.example.com',
      certificateArn: PROD_CERT,
      hostedZone: { hostedZoneId: 'Z0PROD', zoneName: 'example.com' },
    });
    expect([config.account, config.region]).toEqual([ACCOUNT, REGION]);
    const fromEnv = resolveStageConfig(
      'dev',
      { tryGetContext: () => undefined },
      {
        CDK_DEFAULT_ACCOUNT: '222222222222',
        CDK_DEFAULT_REGION: 'us-west-2',
      },
    );
    expect([fromEnv.account, fromEnv.region, fromEnv.customDomain]).toEqual(['222222222222', 'us-west-2', undefined]);
    expect(() =>
      resolveStageConfig(
        'dev',
        { tryGetContext: (k: string) => (k === 'idp:dev:domainName' ? 'a.example.com' : undefined) },
        {},
      ),
    ).toThrow('idp:dev:domainName and idp:dev:certificateArn go together');
    expect(() =>
      resolveStageConfig(
        'dev',
        { tryGetContext: (k: string) => (k === 'idp:dev:signingAlgorithm' ? 'HS256' : undefined) },
        {},
      ),
    ).toThrow('idp:dev:signingAlgorithm must be RS256 or ES256');
  });
});

describe('configuration variants', () => {
  let variants: App;
  let es256: IdpStage;
  let agnostic: IdpStage;

  beforeAll(() => {
    variants = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    es256 = new IdpStage(variants, 'es256', {
      config: { ...STAGE_DEFAULTS.dev, account: ACCOUNT, region: REGION, signingAlgorithm: 'ES256' },
    });
    // No account/region anywhere: an environment-agnostic prod.
    agnostic = new IdpStage(variants, 'agnostic', { config: STAGE_DEFAULTS.prod });
    variants.synth();
  });

  test('ES256: ECC_NIST_P256 key, the token role may only sign ECDSA_SHA_256 digests', () => {
    const stateful = Template.fromStack(es256.stateful);
    stateful.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'TokenFunctionSignsDigestsOnly',
            Action: 'kms:Sign',
            Condition: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } },
          }),
        ]),
      },
    });
    Template.fromStack(es256.api).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IDP_SIGNING_ALG: 'ES256', POWERTOOLS_SERVICE_NAME: 'token' }) },
    });
  });

  test('environment-agnostic edge protection: the web ACL stays in the API stack, which must deploy to us-east-1', () => {
    expect(agnostic.edgeWaf).toBeUndefined();
    const api = Template.fromStack(agnostic.api);
    api.resourceCountIs('AWS::WAFv2::WebACL', 1);
    api.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    expect(api.toJSON()['Rules']['EdgeWafRegion']).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
          AssertDescription:
            'Edge protection creates a CloudFront web ACL, which must be deployed in us-east-1; set -c idp:<stage>:region to deploy the API elsewhere.',
        },
      ],
    });
  });
});

describe('signing keys: the rotation phases (README, "Rotating the signing key")', () => {
  /** Today's key of every stage: its logical id must never change (a new KMS key breaks every token in flight). */
  const INITIAL_KEY = 'SigningKeyEEFC2790';
  const PHASES: Record<string, readonly SigningKeyConfig[]> = {
    // 0: the key every stage was deployed with.
    phase0: [{ id: 'initial', state: 'active' }],
    // 1: B published, signs nothing.
    phase1: [
      { id: 'initial', state: 'active' },
      { id: 'k2026b', state: 'next', algorithm: 'ES256' },
    ],
    // 2: B signs; A still published for the tokens it signed.
    phase2: [
      { id: 'initial', state: 'retired', retiredAt: '2026-03-01' },
      { id: 'k2026b', state: 'active', algorithm: 'ES256' },
    ],
    // 3: A removed after the retention.
    phase3: [{ id: 'k2026b', state: 'active', algorithm: 'ES256' }],
  };
  const RSA_SIGN = { 'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256', 'kms:MessageType': 'DIGEST' };
  const EC_SIGN = { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' };
  let app: App;
  const stages: Record<string, IdpStage> = {};

  beforeAll(() => {
    app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    for (const [name, signingKeys] of Object.entries(PHASES)) {
      stages[name] = new IdpStage(app, name, {
        config: { ...STAGE_DEFAULTS.prod, account: ACCOUNT, region: REGION, signingKeys },
      });
    }
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  }, 120_000);

  /** The key logical ids an env var of a function names, through the stateful stack's outputs, in order. */
  function keysNamedBy(stage: IdpStage, service: 'token' | 'discovery', variable: string): string[] {
    const api = Template.fromStack(stage.api).toJSON() as CfnTemplate;
    const stateful = Template.fromStack(stage.stateful).toJSON() as CfnTemplate;
    const fn = Object.values(resourcesOfType(api, 'AWS::Lambda::Function')).find(
      (f) =>
        (f.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables[
          'POWERTOOLS_SERVICE_NAME'
        ] === service,
    )!;
    const value = (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables[variable];
    const refs = JSON.stringify(value).match(/"OutputName":"[^"]+"/g) ?? [];
    return refs.map((ref) => {
      const name = ref.slice('"OutputName":"'.length, -1);
      const output = stateful.Outputs![name]!.Value as { 'Fn::GetAtt': [string, string] };
      expect(output['Fn::GetAtt'][1]).toBe('Arn');
      return output['Fn::GetAtt'][0];
    });
  }

  function environmentOf(stage: IdpStage, service: string): Record<string, unknown> {
    const api = Template.fromStack(stage.api).toJSON() as CfnTemplate;
    return Object.values(resourcesOfType(api, 'AWS::Lambda::Function'))
      .map((f) => (f.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables)
      .find((v) => v['POWERTOOLS_SERVICE_NAME'] === service)!;
  }

  function keysOf(stage: IdpStage): Record<string, CfnResource> {
    return resourcesOfType(Template.fromStack(stage.stateful).toJSON() as CfnTemplate, 'AWS::KMS::Key');
  }

  function roleIds(stage: IdpStage): { token: string; discovery: string } {
    const json = Template.fromStack(stage.stateful).toJSON() as CfnTemplate;
    return {
      token: logicalId(json, 'AWS::IAM::Role', 'TokenFunctionRole'),
      discovery: logicalId(json, 'AWS::IAM::Role', 'DiscoveryFunctionRole'),
    };
  }

  test('each configured key is its own KMS key; the initial key keeps its logical id, spec, alias and description', () => {
    const expected: Record<string, string[]> = {
      phase0: [INITIAL_KEY],
      phase1: [INITIAL_KEY, 'SigningKeyk2026b'],
      phase2: ['SigningKeyk2026b', INITIAL_KEY], // created in publication order: active first
      phase3: ['SigningKeyk2026b'],
    };
    for (const [phase, stage] of Object.entries(stages)) {
      const keys = keysOf(stage);
      expect(Object.keys(keys).map((id) => (id === INITIAL_KEY ? id : id.replace(/[0-9A-F]{8}$/, '')))).toEqual(
        expected[phase],
      );
      for (const [id, key] of Object.entries(keys)) {
        const initial = id === INITIAL_KEY;
        expect(key.DeletionPolicy).toBe('Retain');
        expect({ phase, id, ...key.Properties, KeyPolicy: undefined }).toEqual({
          phase,
          id,
          Description: initial
            ? 'serverless-idp prod: access-token signing key (RS256)'
            : 'serverless-idp prod: access-token signing key k2026b (ES256)',
          KeySpec: initial ? 'RSA_2048' : 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          KeyPolicy: undefined,
        });
      }
      const aliases = Object.values(
        resourcesOfType(Template.fromStack(stage.stateful).toJSON() as CfnTemplate, 'AWS::KMS::Alias'),
      ).map((a) => [
        a.Properties!['AliasName'],
        (a.Properties!['TargetKeyId'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt']![0],
      ]);
      expect(
        aliases.map(([name, target]) => [name, String(target).replace(/^(SigningKeyk2026b)[0-9A-F]{8}$/, '$1')]),
      ).toEqual(
        expected[phase]!.map((id) => [
          id === INITIAL_KEY ? 'alias/serverless-idp/prod/signing' : 'alias/serverless-idp/prod/signing/k2026b',
          id,
        ]),
      );
    }
  });

  test('every key policy: Sign (its algorithm, digests only) for the token role, GetPublicKey for the discovery role, nothing else', () => {
    for (const stage of Object.values(stages)) {
      const roles = roleIds(stage);
      for (const [id, key] of Object.entries(keysOf(stage))) {
        const statements = (key.Properties!['KeyPolicy'] as { Statement: Statement[] }).Statement;
        expect(statements.map((s) => s.Sid)).toEqual([
          'AccountAdministersButCannotUse',
          'TokenFunctionSignsDigestsOnly',
          'DiscoveryFunctionReadsPublicKey',
        ]);
        expect(statements[1]).toEqual({
          Sid: 'TokenFunctionSignsDigestsOnly',
          Effect: 'Allow',
          Action: 'kms:Sign',
          Principal: { AWS: { 'Fn::GetAtt': [roles.token, 'Arn'] } },
          Resource: '*',
          Condition: { StringEquals: id === INITIAL_KEY ? RSA_SIGN : EC_SIGN },
        });
        expect(statements[2]).toEqual({
          Sid: 'DiscoveryFunctionReadsPublicKey',
          Effect: 'Allow',
          Action: 'kms:GetPublicKey',
          Principal: { AWS: { 'Fn::GetAtt': [roles.discovery, 'Arn'] } },
          Resource: '*',
        });
        expect(
          actionsOf(statements[0]!).filter((a) => ['kms:Sign', 'kms:GetPublicKey', 'kms:Verify'].includes(a)),
        ).toEqual([]);
      }
      // Signing is the key policies alone: no IAM policy of either stack names a KMS action.
      for (const stack of [stage.stateful, stage.api]) {
        const json = Template.fromStack(stack).toJSON() as CfnTemplate;
        const iamKms = allStatements(json).filter(
          ({ resource, statement }) =>
            json.Resources[resource]!.Type !== 'AWS::KMS::Key' &&
            actionsOf(statement).some((a) => a.startsWith('kms:')),
        );
        expect(iamKms).toEqual([]);
      }
    }
  });

  test('the token function signs with the active key only; discovery publishes every key, active first', () => {
    const b = (stage: IdpStage) => Object.keys(keysOf(stage)).find((id) => id.startsWith('SigningKeyk2026b'))!;
    const expected = {
      phase0: { sign: [INITIAL_KEY], alg: 'RS256', published: [INITIAL_KEY], algs: 'RS256' },
      phase1: {
        sign: [INITIAL_KEY],
        alg: 'RS256',
        published: [INITIAL_KEY, b(stages['phase1']!)],
        algs: 'RS256,ES256',
      },
      phase2: {
        sign: [b(stages['phase2']!)],
        alg: 'ES256',
        published: [b(stages['phase2']!), INITIAL_KEY],
        algs: 'ES256,RS256',
      },
      phase3: { sign: [b(stages['phase3']!)], alg: 'ES256', published: [b(stages['phase3']!)], algs: 'ES256' },
    };
    for (const [phase, stage] of Object.entries(stages)) {
      const want = expected[phase as keyof typeof expected];
      expect({
        phase,
        sign: keysNamedBy(stage, 'token', 'IDP_SIGNING_KEY_ARN'),
        alg: environmentOf(stage, 'token')['IDP_SIGNING_ALG'],
        published: keysNamedBy(stage, 'discovery', 'IDP_PUBLISHED_KEY_ARNS'),
        algs: environmentOf(stage, 'discovery')['IDP_PUBLISHED_KEY_ALGS'],
        discoverySigns: keysNamedBy(stage, 'discovery', 'IDP_SIGNING_KEY_ARN'),
      }).toEqual({ phase, ...want, discoverySigns: want.sign });
      expect(environmentOf(stage, 'token')).not.toHaveProperty('IDP_PUBLISHED_KEY_ARNS');
    }
  });

  test('cdk-nag: every phase passes the AWS Solutions rules', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  test('a retired key past the retention is reported by a synth warning; a younger one is not', () => {
    const warnings = (stage: IdpStage) =>
      Annotations.fromStack(stage.stateful)
        .findWarning('*', Match.stringLikeRegexp('retired at'))
        .map((w) => w.entry.data);
    // Retired 2026-03-01 with the 30-day retention: removable from 2026-03-31 (the test runs after).
    expect(warnings(stages['phase2']!)).toEqual([
      expect.stringMatching(
        /^signing key 'initial' retired at 2026-03-01: every token it signed has expired \(retiredKeyRetention 30 days\); remove it from signingKeys of stage prod/,
      ),
    ]);
    const young = new IdpStage(new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } }), 'young', {
      config: {
        ...STAGE_DEFAULTS.dev,
        signingKeys: [
          { id: 'initial', state: 'retired', retiredAt: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) },
          { id: 'k2', state: 'active' },
        ],
      },
    });
    expect(warnings(young)).toEqual([]);
    expect(removableSigningKeys(PHASES['phase2']!, Duration.days(30), Date.parse('2026-03-30T23:59:59Z'))).toEqual([]);
    expect(removableSigningKeys(PHASES['phase2']!, Duration.days(30), Date.parse('2026-03-31T00:00:00Z'))).toEqual([
      PHASES['phase2']![0],
    ]);
  });

  test('synthesis refuses a key list without exactly one active key, or with bad ids and dates, with a clear error', () => {
    const synthWith = (signingKeys: SigningKeyConfig[]) => () =>
      new IdpStage(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'bad', {
        config: { ...STAGE_DEFAULTS.dev, signingKeys },
      });
    expect(synthWith([])).toThrow(
      "stage dev: signingKeys must have exactly one key with state 'active' (it signs every token), found 0",
    );
    expect(
      synthWith([
        { id: 'initial', state: 'active' },
        { id: 'k2', state: 'active' },
      ]),
    ).toThrow(
      "stage dev: signingKeys must have exactly one key with state 'active' (it signs every token), found 2 (initial, k2)",
    );
    expect(synthWith([{ id: 'initial', state: 'next' }])).toThrow('found 0');
    expect(
      synthWith([
        { id: 'initial', state: 'retired' },
        { id: 'k2', state: 'active' },
      ]),
    ).toThrow(
      "stage dev: signingKeys: retired key 'initial' needs retiredAt, the date its successor became active (e.g. '2026-03-01')",
    );
    expect(
      synthWith([
        { id: 'initial', state: 'retired', retiredAt: '1 March' },
        { id: 'k2', state: 'active' },
      ]),
    ).toThrow("retired key 'initial' needs retiredAt");
    expect(synthWith([{ id: 'initial', state: 'active', retiredAt: '2026-03-01' }])).toThrow(
      "stage dev: signingKeys: key 'initial' is active; only a retired key has retiredAt",
    );
    expect(
      synthWith([
        { id: 'k2', state: 'active' },
        { id: 'k2', state: 'next' },
      ]),
    ).toThrow("stage dev: signingKeys: id 'k2' is listed twice");
    expect(synthWith([{ id: 'k_2', state: 'active' }])).toThrow(
      "stage dev: signingKeys: id 'k_2' must be letters, digits and '-', start with a letter, ≤ 32 characters",
    );
  });

  test('every stage defaults to its one initial active key', () => {
    for (const name of STAGE_NAMES)
      expect(STAGE_DEFAULTS[name].signingKeys).toEqual([{ id: 'initial', state: 'active' }]);
  });
});
