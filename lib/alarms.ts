/**
 * CloudWatch alarms of one stage (when its config enables them): API 5xx and 4xx spikes, token route
 * p99 latency, Lambda errors and throttles per function, DynamoDB throttling and system errors, and
 * KMS / DynamoDB failures as the token function logs them (a metric filter on its structured logs:
 * lambdas/domain/token-endpoint.ts logs `dependency unavailable` with `dependency: signer|store|pepper`),
 * a token or sign-in function that cannot start, and KMS at its quota: sustained throttling
 * (`KmsThrottles`) and the stage's Sign rate past a configured share of the account's quota
 * (`KmsSignRequests`; lambdas/adapters/token-metrics.ts).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TOKEN_PATH } from '../lambdas/domain/endpoints/paths';
import { KMS_SIGN_REQUESTS, KMS_THROTTLES } from '../lambdas/adapters/token-metrics';
import type { StageConfig } from './config';
import { validateKmsQuota } from './config';

/** The table operations the IdP uses (an alarm's math expression holds at most 10 metrics). */
const SYSTEM_ERROR_OPERATIONS = [
  dynamodb.Operation.QUERY,
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
  dynamodb.Operation.BATCH_WRITE_ITEM,
];

/** Props of {@link IdpAlarms}. */
export interface IdpAlarmsProps {
  readonly config: StageConfig;
  readonly apiId: string;
  /** `$default`. */
  readonly stageName: string;
  /** Functions to watch, by a short name used in alarm names. */
  readonly functions: Record<string, lambda.IFunction>;
  readonly table: dynamodb.ITable;
  /** The token function's log group, for the dependency-failure metric filters. */
  readonly tokenLogGroup: logs.ILogGroup;
  /** The sign-in function's log group, for its start-failure metric filter. */
  readonly signInLogGroup: logs.ILogGroup;
  /** Custom metrics namespace of the stage. */
  readonly metricsNamespace: string;
}

export class IdpAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: IdpAlarmsProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `serverless-idp-${config.stageName}`;
    const topic =
      config.alarms.topicArn !== undefined ? sns.Topic.fromTopicArn(this, 'Topic', config.alarms.topicArn) : undefined;
    const add = (alarmId: string, description: string, metric: cloudwatch.IMetric, threshold: number, periods = 1) => {
      // `periods` consecutive one-minute periods at or above the threshold.
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (topic !== undefined) {
        alarm.addAlarmAction(new actions.SnsAction(topic));
        alarm.addOkAction(new actions.SnsAction(topic));
      }
      this.alarms.push(alarm);
    };
    const api = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.apiId, Stage: props.stageName, ...extra },
        statistic,
        period: Duration.minutes(1),
      });

    add('Api5xx', 'HTTP API answered 5xx (server_error / temporarily_unavailable)', api('5xx', 'Sum'), 5, 2);
    add(
      'Api4xxSpike',
      'HTTP API 4xx spike: brute force, a broken client, or API Gateway throttling (429)',
      api('4xx', 'Sum'),
      500,
      3,
    );
    add(
      'TokenLatencyP99',
      `p99 latency of POST ${TOKEN_PATH} above 1 s`,
      api('Latency', 'p99', { Method: 'POST', Resource: TOKEN_PATH }),
      1000,
      3,
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      add(`${name}Errors`, `${name} function errors`, fn.metricErrors({ period: Duration.minutes(1) }), 1, 2);
      add(`${name}Throttles`, `${name} function throttles`, fn.metricThrottles({ period: Duration.minutes(1) }), 1, 1);
    }
    const dynamo = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
    add(
      'DynamoDbThrottles',
      'DynamoDB read/write throttle events on the IdP table',
      new cloudwatch.MathExpression({
        expression: 'r + w',
        usingMetrics: { r: dynamo('ReadThrottleEvents'), w: dynamo('WriteThrottleEvents') },
        period: Duration.minutes(1),
        label: 'throttle events',
      }),
      1,
    );
    add(
      'DynamoDbSystemErrors',
      'DynamoDB system errors on the IdP table',
      props.table.metricSystemErrorsForOperations({
        period: Duration.minutes(1),
        operations: SYSTEM_ERROR_OPERATIONS,
      }),
      1,
    );
    const failures = (dependency: string, metricName: string) => {
      new logs.MetricFilter(this, `${metricName}Filter`, {
        logGroup: props.tokenLogGroup,
        metricNamespace: props.metricsNamespace,
        metricName,
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.message', '=', 'dependency unavailable'),
          logs.FilterPattern.stringValue('$.dependency', '=', dependency),
        ),
        metricValue: '1',
      });
      return new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
    };
    add(
      'KmsSignErrors',
      'kms:Sign failed or was throttled at the token endpoint',
      failures('signer', 'KmsSignFailures'),
      1,
    );
    add(
      'StoreErrors',
      'DynamoDB reads failed or were throttled at the token endpoint',
      failures('store', 'StoreFailures'),
      1,
    );
    // KMS at its quota (README, "Scale ceilings"): the token function's own counts (EMF, dimension
    // `service` only). Throttles that the retries absorb are normal in a burst; 3 minutes of them are not.
    const kmsMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: 'serverless-idp' },
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
    add(
      'KmsThrottling',
      'KMS throttled the token function (Sign, or Decrypt of the envelope key) in 3 consecutive minutes: the account is at its KMS request quota',
      kmsMetric(KMS_THROTTLES),
      1,
      3,
    );
    validateKmsQuota(config.stageName, config.kmsQuota);
    const { signRequestsPerSecond, alarmShare } = config.kmsQuota;
    add(
      'KmsSignRateNearQuota',
      `kms:Sign requests of this stage above ${Math.round(alarmShare * 100)} % of the ${signRequestsPerSecond}/s quota ` +
        '(shared by every key and caller in the account and Region) for 3 minutes: raise the quota or switch to envelope signing',
      kmsMetric(KMS_SIGN_REQUESTS),
      Math.ceil(signRequestsPerSecond * alarmShare * 60),
      3,
    );
    // A cold start that cannot compose (the pepper unreadable, configuration wrong) answers every
    // request 503 until the next try: alarm on the first.
    const initFailures = (alarmId: string, logGroup: logs.ILogGroup, fn: string, description: string) => {
      new logs.MetricFilter(this, `${alarmId}Filter`, {
        logGroup,
        metricNamespace: props.metricsNamespace,
        metricName: alarmId,
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', `${fn} handler initialisation failed`),
        metricValue: '1',
      });
      const metric = new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: alarmId,
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
      add(alarmId, description, metric, 1);
    };
    initFailures(
      'TokenInitFailures',
      props.tokenLogGroup,
      'token',
      'The token function could not start (pepper from Secrets Manager, configuration)',
    );
    initFailures(
      'SignInInitFailures',
      props.signInLogGroup,
      'sign-in',
      'The sign-in function could not start (pepper from Secrets Manager, configuration): no one can sign in',
    );
  }
}
