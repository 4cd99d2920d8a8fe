/**
 * The consumer side as synthesized (without bundling, like stages.test.ts): the reusable
 * IdpTokenAuthorizer construct for HTTP APIs and REST TOKEN / REQUEST authorizers (function runtime,
 * log group, environment, cache keys and TTL, least-privilege IAM, synth-time validation), the native
 * JWT authorizer helper, and the example consumer stack inside the dev stage exactly as bin/app.ts
 * adds it (routes and their scopes, references to the dev issuer and table, the echo backend, cdk-nag).
 */
import { generateKeyPairSync } from 'node:crypto';
import * as vm from 'node:vm';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STAGE_DEFAULTS } from '../../lib/config';
import type { ExampleConsumerStack } from '../../lib/example-consumer-stack';
import { ECHO_HANDLER_SOURCE, addExampleConsumer } from '../../lib/example-consumer-stack';
import { IdpStage } from '../../lib/idp-stage';
import type { IdpTokenAuthorizerProps } from '../../lib/idp-token-authorizer';
import { IdpTokenAuthorizer, idpJwtAuthorizer } from '../../lib/idp-token-authorizer';
import type { CfnResource, CfnTemplate, Statement } from './cdk-app';
import { actionsOf, allStatements, cdkJsonContext, resourcesOfType } from './cdk-app';

const ISSUER = 'https://idp.example.com';
const AUDIENCE = 'https://orders.example.com';
const ROUTE_SCOPES = { 'GET /orders': ['orders:read'], 'POST /orders': ['orders:write', 'orders:audit'] };
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

/** A public RSA JWK made for this run. */
function publicJwk(kid: string): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

function newApp(): App {
  return new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
}

function newStack(app: App, id: string): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION } });
}

/** An HTTP API with GET and POST /orders behind the authorizer (the construct's HTTP flavour in use). */
function httpApiWith(stack: Stack, props: Partial<IdpTokenAuthorizerProps> = {}): IdpTokenAuthorizer {
  const auth = new IdpTokenAuthorizer(stack, 'Auth', { issuer: ISSUER, audience: AUDIENCE, ...props });
  const backend = new lambda.Function(stack, 'Backend', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 204 });'),
  });
  const api = new apigwv2.HttpApi(stack, 'Api');
  api.addRoutes({
    path: '/orders',
    methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
    integration: new HttpLambdaIntegration('Backend', backend),
    authorizer: auth.httpAuthorizer,
  });
  return auth;
}

/** A REST API with GET /orders behind the authorizer. */
function restApiWith(stack: Stack, kind: 'rest-token' | 'rest-request'): IdpTokenAuthorizer {
  const auth = new IdpTokenAuthorizer(stack, 'Auth', {
    issuer: ISSUER,
    audience: AUDIENCE,
    routeScopes: ROUTE_SCOPES,
    kind,
  });
  const api = new apigw.RestApi(stack, 'Api');
  api.root.addResource('orders').addMethod('GET', new apigw.MockIntegration(), { authorizer: auth.restAuthorizer });
  return auth;
}

/** The only resource of a type whose logical id starts with a prefix. */
function only(template: CfnTemplate, type: string, prefix = ''): [string, CfnResource] {
  const found = Object.entries(resourcesOfType(template, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.map(([id]) => id).join()}`);
  return found[0]!;
}

/** Statements of the policies attached to a role (by its logical id), in a stable order. */
function statementsOfRole(template: CfnTemplate, roleId: string): Statement[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties!['Roles']) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement)
    .sort((a, b) => actionsOf(a)[0]!.localeCompare(actionsOf(b)[0]!));
}

function envOf(fn: CfnResource): Record<string, unknown> {
  return (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
}

const XRAY = { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' };

describe('IdpTokenAuthorizer for an HTTP API', () => {
  let json: CfnTemplate;
  let template: Template;
  const jwks = { keys: [publicJwk('key-1'), publicJwk('key-2')] };

  beforeAll(() => {
    const app = newApp();
    const stack = newStack(app, 'Http');
    httpApiWith(stack, { routeScopes: ROUTE_SCOPES, jwks, resultsCacheTtl: Duration.minutes(2) });
    template = Template.fromStack(stack);
    json = template.toJSON() as CfnTemplate;
  });

  test('function: nodejs22.x on arm64, JSON logs to its own log group, 256 MB, 5 s, traced', () => {
    const [, fn] = only(json, 'AWS::Lambda::Function', 'AuthFunction');
    const [logGroupId, logGroup] = only(json, 'AWS::Logs::LogGroup', 'AuthFunctionLogGroup');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 5,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroupId } },
    });
    expect(logGroup.Properties).toEqual({ RetentionInDays: 30 });
  });

  test('environment: issuer, audience, route scopes JSON and the preloaded JWKS, nothing else', () => {
    const [, fn] = only(json, 'AWS::Lambda::Function', 'AuthFunction');
    expect(envOf(fn)).toEqual({
      POWERTOOLS_SERVICE_NAME: 'authorizer',
      POWERTOOLS_METRICS_NAMESPACE: 'serverless-idp/authorizer',
      IDP_ISSUER: 'https://idp.example.com',
      IDP_AUDIENCE: 'https://orders.example.com',
      IDP_ROUTE_SCOPES: '{"GET /orders":["orders:read"],"POST /orders":["orders:write","orders:audit"]}',
      IDP_JWKS: JSON.stringify(jwks),
    });
  });

  test('authorizer: REQUEST, payload 2.0 simple responses, cache keyed on token + method + route, TTL 120 s', () => {
    const [fnId] = only(json, 'AWS::Lambda::Function', 'AuthFunction');
    const [authorizerId, authorizer] = only(json, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      Name: 'Auth',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization', '$context.httpMethod', '$context.routeKey'],
      AuthorizerResultTtlInSeconds: 120,
    });
    expect(JSON.stringify(authorizer.Properties!['AuthorizerUri'])).toContain(`"${fnId}","Arn"`);
    // Both routes use it; API Gateway may invoke the function for this authorizer only.
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => [r!['RouteKey'], r!['AuthorizationType'], r!['AuthorizerId']]).sort()).toEqual([
      ['GET /orders', 'CUSTOM', { Ref: authorizerId }],
      ['POST /orders', 'CUSTOM', { Ref: authorizerId }],
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`/authorizers/$`), { Ref: authorizerId }])],
      }),
    });
  });

  test('IAM without client status: its log group and X-Ray only; no DynamoDB, no KMS anywhere', () => {
    const [roleId] = only(json, 'AWS::IAM::Role', 'AuthFunctionRole');
    const [logGroupId] = only(json, 'AWS::Logs::LogGroup', 'AuthFunctionLogGroup');
    expect(statementsOfRole(json, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      XRAY,
    ]);
    const role = json.Resources[roleId]!.Properties!;
    expect(role['ManagedPolicyArns']).toBeUndefined();
    expect(role['Policies']).toBeUndefined();
    const actions = allStatements(json).flatMap(({ statement }) => actionsOf(statement));
    expect(actions.filter((a) => a.startsWith('kms:') || a.startsWith('dynamodb:'))).toEqual([]);
  });

  test('defaults: route scopes {"*": []}, 30-second cache (the 60 s revocation bound), fetched JWKS, one-month log retention', () => {
    const app = newApp();
    const stack = newStack(app, 'Defaults');
    httpApiWith(stack);
    const defaults = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [, fn] = only(defaults, 'AWS::Lambda::Function', 'AuthFunction');
    expect(envOf(fn)).toMatchObject({ IDP_ROUTE_SCOPES: '{"*":[]}' });
    expect(Object.keys(envOf(fn))).not.toContain('IDP_JWKS');
    expect(Object.keys(envOf(fn))).not.toContain('IDP_TABLE_NAME');
    expect(only(defaults, 'AWS::ApiGatewayV2::Authorizer')[1].Properties!['AuthorizerResultTtlInSeconds']).toBe(30);
    expect(only(defaults, 'AWS::Logs::LogGroup', 'AuthFunctionLogGroup')[1].Properties).toEqual({
      RetentionInDays: 30,
    });
  });

  test('the REST getter of an HTTP authorizer (and the reverse) throws', () => {
    const app = newApp();
    const auth = new IdpTokenAuthorizer(newStack(app, 'Getters'), 'Auth', { issuer: ISSUER, audience: AUDIENCE });
    expect(() => auth.restAuthorizer).toThrow('Getters/Auth is an HTTP API authorizer, not a REST API one');
    const rest = restApiWith(newStack(app, 'RestGetters'), 'rest-token');
    expect(() => rest.httpAuthorizer).toThrow('RestGetters/Auth is a rest-token authorizer, not an HTTP API one');
  });
});

describe('IdpTokenAuthorizer with the disabled-client check', () => {
  let json: CfnTemplate;

  beforeAll(() => {
    const app = newApp();
    const stack = newStack(app, 'Status');
    // A customer-managed table key: table.grant(...) would add kms:Decrypt; the construct must not.
    const table = new dynamodb.Table(stack, 'IdpTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    });
    httpApiWith(stack, {
      clientStatus: { table, ttl: Duration.seconds(30) },
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    json = Template.fromStack(stack).toJSON() as CfnTemplate;
  });

  test('environment names the table and the status TTL', () => {
    const [tableId] = only(json, 'AWS::DynamoDB::Table');
    const [, fn] = only(json, 'AWS::Lambda::Function', 'AuthFunction');
    expect(envOf(fn)).toMatchObject({ IDP_TABLE_NAME: { Ref: tableId }, IDP_CLIENT_STATUS_TTL_SECONDS: '30' });
    expect(only(json, 'AWS::Logs::LogGroup', 'AuthFunctionLogGroup')[1].Properties).toEqual({ RetentionInDays: 7 });
  });

  test('IAM: dynamodb:BatchGetItem/GetItem of status and deny-list items on that table only (no index, no other action), and no KMS action at all', () => {
    const [tableId] = only(json, 'AWS::DynamoDB::Table');
    const [roleId] = only(json, 'AWS::IAM::Role', 'AuthFunctionRole');
    const [logGroupId] = only(json, 'AWS::Logs::LogGroup', 'AuthFunctionLogGroup');
    expect(statementsOfRole(json, roleId)).toEqual([
      // The status attribute (and keys) of the client, user and deny-list items only: never a secret hash or a rule.
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'status'] },
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLIENT#*', 'USER#*', 'DENY#*', 'DENYSID#*'] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES', 'dynamodb:ReturnValues': 'NONE' },
        },
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      XRAY,
    ]);
    const iamStatements = allStatements(json).filter(
      ({ resource }) => json.Resources[resource]!.Type !== 'AWS::KMS::Key',
    );
    expect(iamStatements.filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('kms:')))).toEqual([]);
  });
});

describe('IdpTokenAuthorizer for REST APIs', () => {
  test('rest-token: a TOKEN authorizer on the Authorization header, 5-minute cache, used by the method', () => {
    const app = newApp();
    const stack = newStack(app, 'RestToken');
    restApiWith(stack, 'rest-token');
    const json = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [fnId] = only(json, 'AWS::Lambda::Function', 'AuthFunction');
    const [authorizerId, authorizer] = only(json, 'AWS::ApiGateway::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      Type: 'TOKEN',
      Name: 'Auth',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 30,
    });
    expect(JSON.stringify(authorizer.Properties!['AuthorizerUri'])).toContain(`"${fnId}","Arn"`);
    const [, method] = only(json, 'AWS::ApiGateway::Method');
    expect(method.Properties).toMatchObject({
      HttpMethod: 'GET',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
    expect(envOf(only(json, 'AWS::Lambda::Function', 'AuthFunction')[1])).toMatchObject({
      IDP_ROUTE_SCOPES: JSON.stringify(ROUTE_SCOPES),
    });
  });

  test('rest-request: a REQUEST authorizer keyed on token, method and resource path', () => {
    const app = newApp();
    const stack = newStack(app, 'RestRequest');
    restApiWith(stack, 'rest-request');
    const json = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [authorizerId, authorizer] = only(json, 'AWS::ApiGateway::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath',
      AuthorizerResultTtlInSeconds: 30,
    });
    expect(only(json, 'AWS::ApiGateway::Method')[1].Properties).toMatchObject({
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
    const actions = allStatements(json).flatMap(({ statement }) => actionsOf(statement));
    expect(actions.filter((a) => a.startsWith('kms:') || a.startsWith('dynamodb:'))).toEqual([]);
  });
});

describe('IdpTokenAuthorizer validates its props at synth time', () => {
  const make = (props: Partial<IdpTokenAuthorizerProps>, scope: Construct = newStack(newApp(), 'Invalid')) =>
    new IdpTokenAuthorizer(scope, 'Auth', { issuer: ISSUER, audience: AUDIENCE, ...props });

  test('route scopes with a bad key or scope token', () => {
    expect(() => make({ routeScopes: { 'GET orders': ['orders:read'] } })).toThrow(
      'Invalid/Auth: routeScopes: route scopes: GET orders does not name a resource path',
    );
    expect(() => make({ routeScopes: { GET: ['orders read'] } })).toThrow(
      'Invalid/Auth: routeScopes: route scopes: GET must map to an array of scope tokens',
    );
  });

  test('an issuer that is not https://<host> without a trailing slash', () => {
    expect(() => make({ issuer: 'http://idp.example.com' })).toThrow(
      'Invalid/Auth: issuer must be https://<host> without a trailing slash, got http://idp.example.com',
    );
    expect(() => make({ issuer: 'https://idp.example.com/' })).toThrow('without a trailing slash');
  });

  test('a JWKS with private key material', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k' };
    expect(() => make({ jwks: { keys: [jwk] } })).toThrow(
      'Invalid/Auth: jwks must hold public keys only (found d, p, q, dp, dq, qi)',
    );
    expect(() => make({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] } })).toThrow('(found k)');
  });

  test('cache and status TTLs outside 0..3600 whole seconds', () => {
    expect(() => make({ resultsCacheTtl: Duration.hours(2) })).toThrow(
      'resultsCacheTtl must be whole seconds from 0 to 3600, got 7200',
    );
    const stack = newStack(newApp(), 'Ttl');
    const table = new dynamodb.Table(stack, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    expect(() => make({ clientStatus: { table, ttl: Duration.hours(3) } }, stack)).toThrow(
      'clientStatus.ttl must be whole seconds from 0 to 3600, got 10800',
    );
  });

  test('an environment over Lambda’s 4 KB (too many preloaded keys) fails synthesis', () => {
    const app = newApp();
    const stack = newStack(app, 'Big');
    // Each RSA-2048 public JWK is about 420 bytes of JSON.
    httpApiWith(stack, { jwks: { keys: Array.from({ length: 10 }, (_, i) => publicJwk(`key-${i}`)) } });
    expect(() => app.synth()).toThrow(/the authorizer's environment is \d+ bytes, over Lambda's 4096/);
  });
});

describe('idpJwtAuthorizer (HTTP API native JWT authorizer)', () => {
  test('issuer, audience and identity source; route scopes are the route authorizationScopes', () => {
    const app = newApp();
    const stack = newStack(app, 'Jwt');
    const api = new apigwv2.HttpApi(stack, 'Api');
    const backend = new lambda.Function(stack, 'Backend', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 204 });'),
    });
    api.addRoutes({
      path: '/orders',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Backend', backend),
      authorizer: idpJwtAuthorizer(stack, 'Jwt', { issuer: ISSUER, audience: AUDIENCE }),
      authorizationScopes: ['orders:read'],
    });
    const json = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [authorizerId, authorizer] = only(json, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toEqual({
      ApiId: expect.anything(),
      AuthorizerType: 'JWT',
      Name: 'Jwt',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://idp.example.com', Audience: ['https://orders.example.com'] },
    });
    expect(only(json, 'AWS::ApiGatewayV2::Route')[1].Properties).toMatchObject({
      RouteKey: 'GET /orders',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
      AuthorizationScopes: ['orders:read'],
    });
    // No authorizer function or role: the gateway validates the token itself.
    expect(Object.keys(resourcesOfType(json, 'AWS::Lambda::Function'))).toEqual([
      only(json, 'AWS::Lambda::Function', 'Backend')[0],
    ]);
    expect(Object.keys(resourcesOfType(json, 'AWS::IAM::Role'))).toEqual([
      only(json, 'AWS::IAM::Role', 'BackendServiceRole')[0],
    ]);
    expect(() => idpJwtAuthorizer(stack, 'Plain', { issuer: 'http://idp.example.com', audience: AUDIENCE })).toThrow(
      'Jwt/Plain: issuer must be https://<host> without a trailing slash, got http://idp.example.com',
    );
  });
});

describe('example consumer stack in the dev stage (as bin/app.ts adds it)', () => {
  let app: App;
  let dev: IdpStage;
  let consumer: ExampleConsumerStack;
  let json: CfnTemplate;

  beforeAll(() => {
    app = newApp();
    dev = new IdpStage(app, 'serverless-idp-dev', {
      config: { ...STAGE_DEFAULTS.dev, account: ACCOUNT, region: REGION },
    });
    consumer = addExampleConsumer(dev);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Throws on any unacknowledged cdk-nag finding in any stack of the stage.
    app.synth();
    json = Template.fromStack(consumer).toJSON() as CfnTemplate;
  });

  test('stack name and environment follow the stage', () => {
    expect(consumer.stackName).toBe('serverless-idp-dev-example-consumer');
    expect([consumer.account, consumer.region]).toEqual([ACCOUNT, REGION]);
  });

  test('Lambda-authorizer routes carry the authorizer; the function enforces their scopes (all-of)', () => {
    const [authorizerId, authorizer] = only(json, 'AWS::ApiGatewayV2::Authorizer', 'HttpApiOrdersAuthorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization', '$context.httpMethod', '$context.routeKey'],
      AuthorizerResultTtlInSeconds: 30,
    });
    const [, fn] = only(json, 'AWS::Lambda::Function', 'OrdersAuthorizerFunction');
    expect(JSON.parse(envOf(fn)['IDP_ROUTE_SCOPES'] as string)).toEqual({
      'GET /orders': ['orders:read'],
      'POST /orders': ['orders:write'],
      'GET /orders/{id}': ['orders:read'],
    });
    expect(envOf(fn)['IDP_AUDIENCE']).toBe('https://orders.example.com');
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties!);
    const byKey = Object.fromEntries(routes.map((r) => [r['RouteKey'] as string, r]));
    expect(Object.keys(byKey).sort()).toEqual([
      'GET /native/orders',
      'GET /orders',
      'GET /orders/{id}',
      'POST /native/orders',
      'POST /orders',
    ]);
    for (const key of ['GET /orders', 'POST /orders', 'GET /orders/{id}']) {
      expect({ key, type: byKey[key]!['AuthorizationType'], id: byKey[key]!['AuthorizerId'] }).toEqual({
        key,
        type: 'CUSTOM',
        id: { Ref: authorizerId },
      });
      expect(byKey[key]!['AuthorizationScopes']).toBeUndefined();
    }
  });

  test('native JWT routes: the JWT authorizer for the dev issuer and the API audience, any-of route scopes', () => {
    const [jwtId, jwt] = only(json, 'AWS::ApiGatewayV2::Authorizer', 'HttpApiNativeJwt');
    expect(jwt.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: ['https://orders.example.com'] },
    });
    const [, fn] = only(json, 'AWS::Lambda::Function', 'OrdersAuthorizerFunction');
    // Both authorizers trust the same issuer: the dev api stack's, read across stacks.
    const issuer = (jwt.Properties!['JwtConfiguration'] as { Issuer: unknown }).Issuer;
    expect(envOf(fn)['IDP_ISSUER']).toEqual(issuer);
    expect(JSON.stringify(issuer)).toContain('serverless-idp-dev-api');
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties!);
    const native = routes
      .filter((r) => (r['RouteKey'] as string).includes('/native/'))
      .map((r) => [r['RouteKey'], r['AuthorizationType'], r['AuthorizerId'], r['AuthorizationScopes']])
      .sort();
    expect(native).toEqual([
      ['GET /native/orders', 'JWT', { Ref: jwtId }, ['orders:read']],
      ['POST /native/orders', 'JWT', { Ref: jwtId }, ['orders:write']],
    ]);
  });

  test('the authorizer checks token status against the dev table with BatchGetItem/GetItem only; no KMS in the stack', () => {
    const [, fn] = only(json, 'AWS::Lambda::Function', 'OrdersAuthorizerFunction');
    const tableName = JSON.stringify(envOf(fn)['IDP_TABLE_NAME']);
    expect(tableName).toContain('serverless-idp-dev-stateful');
    const [roleId] = only(json, 'AWS::IAM::Role', 'OrdersAuthorizerFunctionRole');
    const statements = statementsOfRole(json, roleId);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]!.Action).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    expect(JSON.stringify(dynamo[0]!.Resource)).toContain('serverless-idp-dev-stateful');
    expect(JSON.stringify(dynamo[0]!.Resource)).not.toContain('index');
    const actions = allStatements(json).flatMap(({ statement }) => actionsOf(statement));
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  test('backend: inline Node.js 22 arm64 echo with its own log group; it echoes the authorizer context', async () => {
    const [, backend] = only(json, 'AWS::Lambda::Function', 'Backend');
    const [logGroupId] = only(json, 'AWS::Logs::LogGroup', 'BackendLogs');
    expect(backend.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroupId } },
    });
    const [backendRoleId] = only(json, 'AWS::IAM::Role', 'BackendRole');
    expect(json.Resources[backendRoleId]!.Properties!['ManagedPolicyArns']).toBeUndefined();
    expect(statementsOfRole(json, backendRoleId)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
    // Run the deployed source (the template's ZipFile) on the events each authorizer type produces.
    const code = (backend.Properties!['Code'] as { ZipFile: string }).ZipFile;
    expect(code).toBe(ECHO_HANDLER_SOURCE);
    const module = { exports: {} as { handler?: (event: unknown) => Promise<unknown> } };
    vm.runInNewContext(code, { exports: module.exports, module });
    const handler = module.exports.handler!;
    const fromLambda = await handler({
      routeKey: 'GET /orders/{id}',
      pathParameters: { id: '42' },
      requestContext: { authorizer: { lambda: { clientId: 'c-1', jti: 'j-1', scope: 'orders:read' } } },
    });
    expect(fromLambda).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"route":"GET /orders/{id}","id":"42","caller":{"authorizer":"lambda","clientId":"c-1","scope":"orders:read","jti":"j-1"}}',
    });
    const fromJwt = (await handler({
      routeKey: 'POST /native/orders',
      requestContext: {
        authorizer: {
          jwt: { claims: { client_id: 'c-2', jti: 'j-2', scope: 'orders:write' }, scopes: ['orders:write'] },
        },
      },
    })) as { body: string };
    expect(fromJwt.body).toBe(
      '{"route":"POST /native/orders","id":null,"caller":{"authorizer":"jwt","clientId":"c-2","scope":"orders:write","jti":"j-2"}}',
    );
  });

  test('stage access logs without headers; outputs', () => {
    const [, stage] = only(json, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const format = (stage.Properties!['AccessLogSettings'] as { Format: string }).Format;
    expect(Object.keys(JSON.parse(format) as object)).not.toContain('authorization');
    expect(format).not.toMatch(/header/i);
    expect(json.Outputs!['Audience']!.Value).toBe('https://orders.example.com');
    expect(json.Outputs!['ApiUrl']).toBeDefined();
  });

  test('cdk-nag: clean; without acknowledgements only the documented L1 and X-Ray findings remain', () => {
    expect(new AwsSolutionsChecks().validateScope(consumer).violations).toEqual([]);
    const unacknowledged = new AwsSolutionsChecks();
    Object.defineProperty(unacknowledged, 'isAcknowledged', { value: () => false });
    const found = unacknowledged
      .validateScope(consumer)
      .violations.map((v) => `${v.ruleName} ${v.severity} ${v.violatingResources.map((r) => r.constructPath).sort()}`);
    const path = `${consumer.node.path}`;
    expect(found.sort()).toEqual([
      // X-Ray (active tracing) has no resource-level permissions.
      `AwsSolutions-IAM5[Resource::*] error ${path}/OrdersAuthorizer/Function/Role/DefaultPolicy/Resource`,
      // Node.js 22 pinned (docs/architecture.md, Infrastructure), for both functions.
      `AwsSolutions-L1 error ${path}/Backend/Resource,${path}/OrdersAuthorizer/Function/Function/Resource`,
    ]);
  });
});
