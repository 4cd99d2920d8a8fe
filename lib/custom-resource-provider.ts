/**
 * The provider of a deploy-time custom resource backed by one of this app's functions (the admin
 * bootstrap, lib/admin-bootstrap.ts; the envelope signing keys, lib/envelope-signing.ts): the CDK
 * provider framework with its own log group, and the cdk-nag findings it brings, each acknowledged
 * narrowly (one construct, one finding) and with its reason.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import type { IdpFunction } from './function-defaults';
import { NODE_RUNTIME_PIN_REASON } from './function-defaults';

/** What {@link customResourceProvider} is built from. */
export interface CustomResourceProviderProps {
  /** Prefix of the construct ids: `<id>ProviderLogs`, `<id>Provider`. */
  readonly id: string;
  /** The function that handles the CloudFormation events. */
  readonly fn: IdpFunction;
  /** The function as named in the acknowledgements' reasons, e.g. `bootstrap`, `signing-key`. */
  readonly functionName: string;
  readonly config: StageConfig;
}

/** A provider framework for `props.fn`, its log group retained as the stage's logs are. */
export function customResourceProvider(scope: Construct, props: CustomResourceProviderProps): cr.Provider {
  const { id, fn, functionName, config } = props;
  const providerLogs = new logs.LogGroup(scope, `${id}ProviderLogs`, {
    retention: config.logRetention,
    removalPolicy: config.removalPolicy,
  });
  const provider = new cr.Provider(scope, `${id}Provider`, { onEventHandler: fn.fn, logGroup: providerLogs });
  acknowledgeFindings(fn, provider, functionName);
  return provider;
}

function acknowledgeFindings(fn: IdpFunction, provider: cr.Provider, functionName: string): void {
  Validations.of(fn.fn).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_RUNTIME_PIN_REASON });
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: `The CDK custom-resource provider framework's own function uses the AWS managed basic execution role; it only relays CloudFormation events to the ${functionName} function.`,
  });
  const fnId = Stack.of(fn).getLogicalId(fn.fn.node.defaultChild as lambda.CfnFunction);
  Validations.of(provider).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
    reason: `The provider framework may invoke any version of the ${functionName} function (lambda:InvokeFunction on <arn>:*).`,
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The provider framework function and its runtime are chosen by aws-cdk-lib, not by this app.',
  });
}
