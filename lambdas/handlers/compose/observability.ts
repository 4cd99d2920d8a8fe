/**
 * Logs and metrics of the token, discovery, admin and bootstrap functions through Powertools, one of
 * each per cold start. Both name the service `serverless-idp`, which Powertools prefers over
 * `POWERTOOLS_SERVICE_NAME`; the metrics namespace is `POWERTOOLS_METRICS_NAMESPACE` (set by
 * lib/function-defaults.ts), read by Powertools itself. The authorizer logs without Powertools
 * (./authorizer.ts) to keep its bundle small.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../../domain/ports';

const SERVICE_NAME = 'serverless-idp';

let logger: Logger | undefined;

/** Structured JSON logs through Powertools; never given secrets or tokens. */
export function awsLogger(): Logger {
  if (logger === undefined) {
    const pt = new PowertoolsLogger({ serviceName: SERVICE_NAME });
    logger = {
      debug: (message, fields) => pt.debug(message, fields ?? {}),
      info: (message, fields) => pt.info(message, fields ?? {}),
      warn: (message, fields) => pt.warn(message, fields ?? {}),
      error: (message, fields) => pt.error(message, fields ?? {}),
    };
  }
  return logger;
}

let metrics: Metrics | undefined;

/** CloudWatch metrics (EMF) through Powertools; the handler flushes them once per invocation. */
export function awsMetrics(): Metrics {
  metrics ??= new Metrics({ serviceName: SERVICE_NAME });
  return metrics;
}

let kmsMetrics: Metrics | undefined;

/**
 * The token function's KMS request counts (lambdas/adapters/token-metrics.ts, `kmsCallMetricsObserver`):
 * a record of their own, whose only dimension is the service, flushed per invocation when it holds any.
 */
export function awsKmsMetrics(): Metrics {
  kmsMetrics ??= new Metrics({ serviceName: SERVICE_NAME });
  return kmsMetrics;
}
