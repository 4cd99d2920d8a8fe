/**
 * The deploy-time bootstrap of a stage: a custom resource whose function registers the built-in admin
 * API (`<issuer>/admin`), the bootstrap admin client whose credentials the bootstrap secret holds, the
 * built-in clients `idp-cli` and `idp-console`, idempotently, on every create and update, and the first
 * admin person from the admin person secret while the table has no user
 * (lambdas/handlers/bootstrap-handler.ts; docs/deploy.md).
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { tableSchema } from '../lambdas/adapters/dynamodb-table';
import type { StageConfig } from './config';
import { customResourceProvider } from './custom-resource-provider';
import { IdpFunction, handlerEntry } from './function-defaults';

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
  const provider = customResourceProvider(scope, { id: 'Bootstrap', fn, functionName: 'bootstrap', config });
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
  return { fn, resource, clientId: resource.getAttString('ClientId') };
}
