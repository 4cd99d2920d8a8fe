/**
 * The deploy-time bootstrap of a stage: a custom resource whose function registers the built-in admin
 * API (`<issuer>/admin`), the bootstrap admin client whose credentials the bootstrap secret holds, the
 * built-in clients `idp-cli` and `idp-console`, idempotently, on every create and update, and the first
 * admin person from the admin person secret while the table has no user
 * (lambdas/handlers/bootstrap-handler.ts; docs/deploy.md).
 */
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { tableSchema } from '../lambdas/adapters/dynamodb-table';
import type { StageConfig } from './config';
import { IdpFunction, NODE_RUNTIME_PIN_REASON, handlerEntry } from './function-defaults';

/** Props of {@link addAdminBootstrap}. */
export interface AdminBootstrapProps {
  /** The stage: its name, log retention and removal policy. */
  readonly config: StageConfig;
  /** `https://<host>`, no path and no trailing slash: the admin API's audience is derived from it. */
  readonly issuer: string;
  /** Custom metrics namespace of the stage (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricsNamespace: string;
  /** The IdP's table, where the admin API and the bootstrap client are written. */
  readonly table: dynamodb.ITable;
  /** Holds the bootstrap client's credentials (JSON `{clientId, clientSecret}`). */
  readonly bootstrapSecret: secretsmanager.ISecret;
  /** The pepper the client secret and the password are hashed with. */
  readonly pepperSecret: secretsmanager.ISecret;
  /** Holds the first admin person's credentials (JSON `{username: "admin", password}`). */
  readonly adminPersonSecret: secretsmanager.ISecret;
}

/** The bootstrap's function and custom resource. */
export interface AdminBootstrap {
  /** The custom resource's handler. */
  readonly fn: IdpFunction;
  /** The custom resource (`Custom::IdpBootstrap`). */
  readonly resource: CustomResource;
  /** The bootstrap admin client's id, as the custom resource returns it. */
  readonly clientId: string;
}

/**
 * Adds to `scope` the bootstrap function (`BootstrapFunction`), the custom-resource provider
 * (`BootstrapProvider`, logging to `BootstrapProviderLogs`) and the custom resource (`Bootstrap`).
 */
export function addAdminBootstrap(scope: Construct, props: AdminBootstrapProps): AdminBootstrap {
  const { config, table, bootstrapSecret, pepperSecret, adminPersonSecret } = props;
  const fn = new IdpFunction(scope, 'BootstrapFunction', {
    logRetention: config.logRetention,
    logRemovalPolicy: config.removalPolicy,
    metricsNamespace: props.metricsNamespace,
    entry: handlerEntry('bootstrap-handler.ts'),
    description: `serverless-idp ${config.stageName}: deploy-time bootstrap (custom resource)`,
    serviceName: 'bootstrap',
    // The first admin person's password is hashed with scrypt N=2^17, r=8 (128 MiB), as at sign-in.
    memorySize: 512,
    timeout: Duration.minutes(1),
  });
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:ConditionCheckItem',
      ],
      resources: [table.tableArn],
    }),
  );
  // "Is there any user yet?": one page of the users' listing on the index (limit 1).
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [`${table.tableArn}/index/${tableSchema.gsi1.name}`],
    }),
  );
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [bootstrapSecret.secretArn, pepperSecret.secretArn, adminPersonSecret.secretArn],
    }),
  );
  const providerLogs = new logs.LogGroup(scope, 'BootstrapProviderLogs', {
    retention: config.logRetention,
    removalPolicy: config.removalPolicy,
  });
  const provider = new cr.Provider(scope, 'BootstrapProvider', {
    onEventHandler: fn.fn,
    logGroup: providerLogs,
  });
  const resource = new CustomResource(scope, 'Bootstrap', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::IdpBootstrap',
    properties: {
      Issuer: props.issuer,
      TableName: table.tableName,
      BootstrapSecretArn: bootstrapSecret.secretArn,
      PepperSecretArn: pepperSecret.secretArn,
      AdminPersonSecretArn: adminPersonSecret.secretArn,
    },
  });
  acknowledgeFindings(fn, provider);
  return { fn, resource, clientId: resource.getAttString('ClientId') };
}

/** cdk-nag acknowledgements: each narrow (one construct, one finding) and with its reason. */
function acknowledgeFindings(fn: IdpFunction, provider: cr.Provider): void {
  Validations.of(fn.fn).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_RUNTIME_PIN_REASON });
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "The CDK custom-resource provider framework's own function uses the AWS managed basic execution role; it only relays CloudFormation events to the bootstrap function.",
  });
  const fnId = Stack.of(fn).getLogicalId(fn.fn.node.defaultChild as lambda.CfnFunction);
  Validations.of(provider).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
    reason:
      'The provider framework may invoke any version of the bootstrap function (lambda:InvokeFunction on <arn>:*).',
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The provider framework function and its runtime are chosen by aws-cdk-lib, not by this app.',
  });
}
