/**
 * The people side's infrastructure in the four stages as synthesized (without bundling): the sign-in
 * function (the hosted pages) sized for the password KDF, the userinfo function, their IAM — no KMS
 * permission of either, only the token role may Sign — and, where CloudFront + WAF are in front, the
 * per-IP limits on the password posts and authorize and the pages' CloudFront behaviours, and the first
 * admin person's secret (read by the bootstrap function only). Routes and
 * exact policies of every role are in stages.test.ts; bundles in bundle-smoke.test.ts.
 */
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { SignInFunctionConfig } from '../../lib/config';
import { DEFAULT_SIGN_IN_FUNCTION, STAGE_DEFAULTS, STAGE_NAMES, resolveStageConfig } from '../../lib/config';
import { IdpStage } from '../../lib/idp-stage';
import type { CfnTemplate, Statement, SynthesizedApp } from './cdk-app';
import { actionsOf, cdkJsonContext, resourcesOfType, synthApp } from './cdk-app';

let synth: SynthesizedApp;

// Four stages with cdk-nag: allow for a busy 2-core machine.
beforeAll(() => {
  synth = synthApp({ 'idp:account': '111111111111', 'idp:region': 'eu-west-1' });
}, 120_000);

afterAll(() => synth?.cleanup());

/** The logical id of the only resource of a type whose id starts with a prefix. */
function logicalId(template: CfnTemplate, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ')}`);
  return ids[0] as string;
}

describe.each(STAGE_NAMES)('stage %s: the people side', (stage) => {
  const edge = STAGE_DEFAULTS[stage].edgeProtection.enabled;

  test('only the token role can Sign; the sign-in and userinfo roles appear in no key policy and hold no kms:*', () => {
    const json = synth.json(stage, 'stateful');
    const role = (prefix: string) => ({ AWS: { 'Fn::GetAtt': [logicalId(json, 'AWS::IAM::Role', prefix), 'Arn'] } });
    const keyStatements = Object.values(resourcesOfType(json, 'AWS::KMS::Key')).flatMap(
      (k) => (k.Properties!['KeyPolicy'] as { Statement: Statement[] }).Statement,
    );
    expect(keyStatements.length).toBeGreaterThan(0);
    const signers = keyStatements.filter((st) => actionsOf(st).some((a) => a === 'kms:Sign' || a === 'kms:*'));
    expect(new Set(signers.map((st) => JSON.stringify(st.Principal)))).toEqual(
      new Set([JSON.stringify(role('TokenFunctionRole'))]),
    );
    for (const prefix of ['SignInFunctionRole', 'UserinfoFunctionRole']) {
      expect(keyStatements.filter((st) => JSON.stringify(st.Principal) === JSON.stringify(role(prefix)))).toEqual([]);
      const roleId = logicalId(json, 'AWS::IAM::Role', prefix);
      for (const stack of ['stateful', 'api'] as const) {
        const template = synth.json(stage, stack);
        const ofRole = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
          .filter((p) => JSON.stringify(p.Properties!['Roles']).includes(roleId))
          .flatMap((p) => (p.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement);
        expect({ prefix, stack, kms: ofRole.flatMap(actionsOf).filter((a) => a.startsWith('kms:')) }).toEqual({
          prefix,
          stack,
          kms: [],
        });
      }
    }
  });

  test('the first admin person: a generated secret only the bootstrap function reads, passed to the custom resource', () => {
    const stateful = synth.json(stage, 'stateful');
    const secretId = logicalId(stateful, 'AWS::SecretsManager::Secret', 'AdminPersonSecret');
    expect(stateful.Resources[secretId]!.Properties).toMatchObject({
      GenerateSecretString: {
        SecretStringTemplate: '{"username":"admin"}',
        GenerateStringKey: 'password',
        PasswordLength: 32,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
    });
    // No IAM statement of the stateful stack names it (the function roles there never read it).
    expect(JSON.stringify(resourcesOfType(stateful, 'AWS::IAM::Policy'))).not.toContain(secretId);
    // In the API stack, exactly one statement does: GetSecretValue for the bootstrap function's role.
    const api = synth.json(stage, 'api');
    const naming = Object.entries(resourcesOfType(api, 'AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement.filter((st) =>
        JSON.stringify(st.Resource).includes(secretId),
      ).map((st) => ({ id, roles: JSON.stringify(policy.Properties!['Roles']), actions: actionsOf(st) })),
    );
    expect(naming).toHaveLength(1);
    expect(naming[0]!.actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(naming[0]!.roles).toContain('BootstrapFunction');
    // The bootstrap may read one page of the users' index ("is there a user yet?") and nothing broader.
    const bootstrapPolicy = resourcesOfType(api, 'AWS::IAM::Policy')[naming[0]!.id]!;
    const statements = (bootstrapPolicy.Properties!['PolicyDocument'] as { Statement: Statement[] }).Statement;
    const indexQuery = statements.filter((st) => JSON.stringify(st.Resource).includes('/index/gsi1'));
    expect(indexQuery.map(actionsOf)).toEqual([['dynamodb:Query']]);
    const resource = Object.values(resourcesOfType(api, 'Custom::IdpBootstrap'))[0]!;
    expect(JSON.stringify(resource.Properties!['AdminPersonSecretArn'])).toContain(secretId);
    // Memory for scrypt N=2^17, r=8 (128 MiB), as the password is hashed at sign-in.
    const fn = api.Resources[logicalId(api, 'AWS::Lambda::Function', 'BootstrapFunction')]!;
    expect(fn.Properties!['MemorySize']).toBe(512);
  });

  test('the sign-in function is sized for the KDF and configured from the stage; userinfo is small', () => {
    const json = synth.json(stage, 'api');
    const props = (prefix: string) => json.Resources[logicalId(json, 'AWS::Lambda::Function', prefix)]!.Properties!;
    const signIn = props('SignInFunction');
    const config = STAGE_DEFAULTS[stage].signIn;
    expect({ memory: signIn['MemorySize'], timeout: signIn['Timeout'] }).toEqual({ memory: 1024, timeout: 15 });
    expect(signIn['ReservedConcurrentExecutions']).toBe(config.reservedConcurrency);
    const variables = (signIn['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(
      [
        'IDP_ISSUER',
        'IDP_PEPPER_SECRET_ARN',
        'IDP_TABLE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        ...(edge ? ['IDP_ORIGIN_VERIFY_SECRET_ARN'] : []),
      ].sort(),
    );
    const userinfo = props('UserinfoFunction');
    expect(userinfo['MemorySize']).toBe(512);
    expect(Object.keys((userinfo['Environment'] as { Variables: Record<string, unknown> }).Variables).sort()).toEqual(
      [
        'IDP_ISSUER',
        'IDP_TABLE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        ...(edge ? ['IDP_ORIGIN_VERIFY_SECRET_ARN'] : []),
      ].sort(),
    );
  });

  test('edge: per-IP limits on the KDF posts and authorize; pages uncached with cookies and query strings', () => {
    if (!edge) {
      expect(stage === 'dev' || stage === 'test').toBe(true);
      return;
    }
    const config = resolveStageConfig(stage, { tryGetContext: () => undefined }, {}).edgeProtection;
    const acl = Object.values(resourcesOfType(synth.json(stage, 'edge-waf'), 'AWS::WAFv2::WebACL'))[0]!;
    const rules = acl.Properties!['Rules'] as Record<string, unknown>[];
    const path = (searchString: string) => ({
      ByteMatchStatement: {
        FieldToMatch: { UriPath: {} },
        PositionalConstraint: 'STARTS_WITH',
        SearchString: searchString,
        TextTransformations: [
          { Priority: 0, Type: 'URL_DECODE' },
          { Priority: 1, Type: 'NORMALIZE_PATH' },
        ],
      },
    });
    const rate = (limit: number, scopeDown: unknown) => ({
      RateBasedStatement: {
        AggregateKeyType: 'IP',
        EvaluationWindowSec: 300,
        Limit: limit,
        ScopeDownStatement: scopeDown,
      },
    });
    expect(rules.map((r) => [r['Priority'], r['Name']])).toEqual([
      [0, 'TokenEndpointPerIpRateLimit'],
      [1, 'SignInPerIpRateLimit'],
      [2, 'AuthorizePerIpRateLimit'],
      [3, 'AllPathsPerIpRateLimit'],
      [4, 'AWSManagedRulesCommonRuleSet'],
    ]);
    const byName = Object.fromEntries(rules.map((r) => [r['Name'], r]));
    expect(config.signInRequestsPerIpPer5Min).toBe(100);
    expect(byName['SignInPerIpRateLimit']).toMatchObject({
      Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
      Statement: rate(config.signInRequestsPerIpPer5Min, {
        AndStatement: {
          Statements: [
            {
              ByteMatchStatement: {
                FieldToMatch: { Method: {} },
                PositionalConstraint: 'EXACTLY',
                SearchString: 'POST',
                TextTransformations: [{ Priority: 0, Type: 'NONE' }],
              },
            },
            { OrStatement: { Statements: [path('/oauth2/sign-in'), path('/oauth2/set-password')] } },
          ],
        },
      }),
    });
    expect(byName['AuthorizePerIpRateLimit']).toMatchObject({
      Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
      Statement: rate(config.authorizeRequestsPerIpPer5Min, path('/oauth2/authorize')),
    });
    // Loopback redirect URIs (RFC 8252 §7.3) are http://127.0.0.1 values: the RFI rules count only.
    expect(
      (byName['AWSManagedRulesCommonRuleSet']!['Statement'] as { ManagedRuleGroupStatement: Record<string, unknown> })
        .ManagedRuleGroupStatement['RuleActionOverrides'],
    ).toEqual(
      ['NoUserAgent_HEADER', 'GenericRFI_QUERYARGUMENTS', 'GenericRFI_BODY'].map((Name) => ({
        Name,
        ActionToUse: { Count: {} },
      })),
    );

    const api = synth.json(stage, 'api');
    const distribution = Object.values(resourcesOfType(api, 'AWS::CloudFront::Distribution'))[0]!.Properties![
      'DistributionConfig'
    ] as { CacheBehaviors: Record<string, unknown>[] };
    const behaviour = (p: string) => distribution.CacheBehaviors.find((b) => b['PathPattern'] === p);
    for (const p of [
      '/oauth2/authorize',
      '/oauth2/sign-in',
      '/oauth2/consent',
      '/oauth2/logout',
      '/oauth2/set-password',
      '/oauth2/userinfo',
    ]) {
      // CachingDisabled + AllViewerExceptHostHeader: every cookie, the query string and Authorization
      // reach the function, Set-Cookie comes back, nothing is cached.
      expect({ p, behaviour: behaviour(p) }).toEqual({
        p,
        behaviour: expect.objectContaining({
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
          ViewerProtocolPolicy: 'https-only',
        }),
      });
    }
    // The stylesheet is public and cacheable: the metadata's policy (origin Cache-Control, no cookies).
    expect(behaviour('/oauth2/assets/pages.css')).toEqual(
      expect.objectContaining({
        CachePolicyId: behaviour('/.well-known/*')!['CachePolicyId'],
        AllowedMethods: ['GET', 'HEAD'],
      }),
    );
    expect(behaviour('/oauth2/assets/pages.css')).not.toHaveProperty('OriginRequestPolicyId');
    // Every function behind CloudFront may read the origin-verify secret.
    const stateful = synth.json(stage, 'stateful');
    const originRead = Object.values(resourcesOfType(api, 'AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties!['PolicyDocument']).includes('OriginVerifySecret'),
    )!;
    const roleNames = JSON.stringify(originRead.Properties!['Roles']);
    for (const prefix of [
      'TokenFunctionRole',
      'DiscoveryFunctionRole',
      'AdminFunctionRole',
      'SignInFunctionRole',
      'UserinfoFunctionRole',
    ]) {
      expect({ prefix, reads: roleNames.includes(logicalId(stateful, 'AWS::IAM::Role', prefix)) }).toEqual({
        prefix,
        reads: true,
      });
    }
  });
});

describe('sign-in function settings', () => {
  const stageWith = (signIn: Partial<SignInFunctionConfig>) => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const stage = new IdpStage(app, 'variant', {
      config: {
        ...STAGE_DEFAULTS.dev,
        account: '111111111111',
        region: 'eu-west-1',
        signIn: { ...DEFAULT_SIGN_IN_FUNCTION, ...signIn },
      },
    });
    app.synth();
    const api = Template.fromStack(stage.api).toJSON() as CfnTemplate;
    return api.Resources[logicalId(api, 'AWS::Lambda::Function', 'SignInFunction')]!.Properties!;
  };

  test('memory, timeout, reserved concurrency, display name and session lifetime reach the function', () => {
    const fn = stageWith({
      memorySize: 1769,
      timeout: Duration.seconds(20),
      reservedConcurrency: 25,
      displayName: 'Example Corp',
      sessionTtl: Duration.hours(8),
    });
    expect([fn['MemorySize'], fn['Timeout'], fn['ReservedConcurrentExecutions']]).toEqual([1769, 20, 25]);
    expect((fn['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      IDP_DISPLAY_NAME: 'Example Corp',
      IDP_SIGN_IN_SESSION_TTL: '28800',
    });
  });

  test('synthesis refuses settings the function or the KDF cannot work with', () => {
    expect(() => stageWith({ memorySize: 256 })).toThrow(/signIn.memorySize must be .* from 512 to 10240/);
    expect(() => stageWith({ timeout: Duration.seconds(31) })).toThrow(/signIn.timeout must be 3 to 30 seconds/);
    expect(() => stageWith({ sessionTtl: Duration.minutes(1) })).toThrow(
      /signIn.sessionTtl must be 5 minutes to 30 days/,
    );
  });
});
