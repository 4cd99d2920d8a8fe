/**
 * The request-path functions of one stage — token, discovery (metadata + JWKS), admin, the admin API's
 * bearer-token authorizer, sign-in (the hosted pages) and userinfo — with their environment, on the
 * execution roles the stateful stack owns, and, behind CloudFront, the permission to read the
 * origin-verify secret.
 */
import { Duration, Fn, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ADMIN_ROUTE_SCOPES } from '../lambdas/domain/bearer-authorization';
import { adminAudience } from '../lambdas/domain/bootstrap';
import { AUTHORIZE_PATH, CONSOLE_PREFIX, TOKEN_PATH, USERINFO_PATH } from '../lambdas/domain/endpoints/paths';
import type { StageConfig } from './config';
import { validateSignInFunction } from './config';
import { IdpFunction, NODE_RUNTIME_PIN_REASON, handlerEntry } from './function-defaults';
import type { StatefulStack } from './stateful-stack';

/** The request-path functions of a stage. */
export interface ApiFunctions {
  /** `POST /oauth2/token`. */
  readonly token: IdpFunction;
  /** Both metadata documents and the JWKS. */
  readonly discovery: IdpFunction;
  /** The admin API and its OpenAPI document. */
  readonly admin: IdpFunction;
  /** The admin API's Lambda authorizer (bearer access tokens, all-of route scopes). */
  readonly authorizer: IdpFunction;
  /**
   * The hosted pages: authorize, sign-in, consent, logout, set-password and their stylesheet. Sized for
   * the password KDF (config `signIn`); issues codes, never tokens.
   */
  readonly signIn: IdpFunction;
  /**
   * `GET|POST /oauth2/userinfo`, a function of its own: it needs neither the KDF's memory nor the pepper,
   * and a burst of slow sign-ins cannot take its concurrency.
   */
  readonly userinfo: IdpFunction;
  /**
   * The admin console's files under `/console/` (docs/contract.md, "Admin console"): the built app rides
   * in the function's asset (lib/function-defaults.ts, `CONSOLE_BUNDLING_HOOKS`), so the console is
   * on the issuer's origin on every stage, behind CloudFront or not. No table, key or secret access.
   */
  readonly console: IdpFunction;
}

/** Props of {@link addApiFunctions}. */
export interface ApiFunctionsProps {
  /** The stage: names, memory, concurrency, signing algorithm, token TTL, log retention. */
  readonly config: StageConfig;
  /** Where the table, signing key, pepper and the functions' execution roles live. */
  readonly stateful: StatefulStack;
  /** `https://<host>`, no path and no trailing slash. */
  readonly issuer: string;
  /** Custom metrics namespace of the stage (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricsNamespace: string;
  /**
   * The secret CloudFront sends as the origin-verify header. When given, the token, discovery, admin,
   * sign-in and userinfo functions require it and may read it.
   * @default - no CloudFront in front: the functions run without the origin check
   */
  readonly originVerify?: secretsmanager.ISecret;
}

/**
 * Adds the functions to `scope` (`TokenFunction`, `DiscoveryFunction`, `AdminFunction`,
 * `AuthorizerFunction`, `SignInFunction`, `UserinfoFunction`, `ConsoleFunction`) and, with
 * {@link ApiFunctionsProps.originVerify}, the `OriginVerifyRead` policy.
 */
export function addApiFunctions(scope: Construct, props: ApiFunctionsProps): ApiFunctions {
  const { config, stateful, issuer, originVerify } = props;
  const stage = config.stageName;
  // Logs follow the stage's removal policy: kept with staging/prod data, removed with dev/test stacks.
  const common = {
    logRetention: config.logRetention,
    logRemovalPolicy: config.removalPolicy,
    metricsNamespace: props.metricsNamespace,
  };
  // The token function signs with the active key only; discovery publishes every configured key, active
  // first (lib/stateful-stack.ts; docs/deploy.md, Signing keys).
  const [activeKey] = stateful.signingKeys;
  if (activeKey === undefined) throw new Error(`stage ${stage}: no active signing key`);
  // Which key signs and how (README, "Signing modes"): a KMS key ARN, or an envelope key's id, the
  // wrapping key and the stage (its encryption context).
  const signingEnv: Record<string, string> =
    activeKey.signing === 'kms'
      ? { IDP_SIGNING_MODE: 'kms', IDP_SIGNING_KEY_ARN: activeKey.key.keyArn }
      : {
          IDP_SIGNING_MODE: 'envelope',
          IDP_SIGNING_KEY_ID: activeKey.config.id,
          IDP_ENVELOPE_KEY_ARN: stateful.envelope!.wrappingKey.keyArn,
          IDP_STAGE_NAME: stage,
        };
  const kmsKeys = stateful.signingKeys.filter((k) => k.signing === 'kms');
  const envelopeKeys = stateful.signingKeys.filter((k) => k.signing === 'envelope');
  // Discovery publishes every key: KMS keys by ARN, envelope keys by id (their records in the table).
  const publishedEnv: Record<string, string> = {
    ...(kmsKeys.length > 0
      ? {
          IDP_PUBLISHED_KEY_ARNS: Fn.join(
            ',',
            kmsKeys.map((k) => k.key.keyArn),
          ),
          IDP_PUBLISHED_KEY_ALGS: kmsKeys.map((k) => k.algorithm).join(','),
        }
      : {}),
    ...(envelopeKeys.length > 0
      ? {
          IDP_PUBLISHED_KEY_IDS: envelopeKeys.map((k) => k.config.id).join(','),
          IDP_PUBLISHED_KEY_ID_ALGS: envelopeKeys.map((k) => k.algorithm).join(','),
          IDP_TABLE_NAME: stateful.table.tableName,
          IDP_STAGE_NAME: stage,
        }
      : {}),
  };
  const originVerifyEnv: Record<string, string> =
    originVerify === undefined ? {} : { IDP_ORIGIN_VERIFY_SECRET_ARN: originVerify.secretArn };
  const token = new IdpFunction(scope, 'TokenFunction', {
    ...common,
    entry: handlerEntry('token-handler.ts'),
    description: `serverless-idp ${stage}: POST ${TOKEN_PATH}`,
    serviceName: 'token',
    role: stateful.roles.token,
    memorySize: config.memorySize,
    reservedConcurrentExecutions: config.tokenReservedConcurrency,
    provisionedConcurrentExecutions: config.tokenProvisionedConcurrency,
    environment: {
      IDP_ISSUER: issuer,
      IDP_TABLE_NAME: stateful.table.tableName,
      ...signingEnv,
      IDP_SIGNING_ALG: activeKey.algorithm,
      IDP_PEPPER_SECRET_ARN: stateful.pepperSecret.secretArn,
      IDP_DEFAULT_ACCESS_TOKEN_TTL: String(config.defaultAccessTokenTtl.toSeconds()),
      ...originVerifyEnv,
    },
  });
  const discovery = new IdpFunction(scope, 'DiscoveryFunction', {
    ...common,
    entry: handlerEntry('discovery-handler.ts'),
    description: `serverless-idp ${stage}: metadata and JWKS`,
    serviceName: 'discovery',
    role: stateful.roles.discovery,
    memorySize: config.memorySize,
    reservedConcurrentExecutions: config.reservedConcurrency.discovery,
    environment: {
      IDP_ISSUER: issuer,
      IDP_SIGNING_MODE: activeKey.signing,
      ...(activeKey.signing === 'kms' ? { IDP_SIGNING_KEY_ARN: activeKey.key.keyArn } : {}),
      IDP_SIGNING_ALG: activeKey.algorithm,
      ...publishedEnv,
      ...originVerifyEnv,
    },
  });
  const admin = new IdpFunction(scope, 'AdminFunction', {
    ...common,
    entry: handlerEntry('admin-handler.ts'),
    description: `serverless-idp ${stage}: admin API`,
    serviceName: 'admin',
    role: stateful.roles.admin,
    memorySize: config.memorySize,
    reservedConcurrentExecutions: config.reservedConcurrency.admin,
    environment: {
      IDP_ISSUER: issuer,
      IDP_TABLE_NAME: stateful.table.tableName,
      IDP_PEPPER_SECRET_ARN: stateful.pepperSecret.secretArn,
      IDP_AUDIT_RETENTION_DAYS: String(config.auditTtlDays),
      ...originVerifyEnv,
    },
  });
  const authorizer = new IdpFunction(scope, 'AuthorizerFunction', {
    ...common,
    entry: handlerEntry('authorizer-handler.ts'),
    description: `serverless-idp ${stage}: admin API bearer-token authorizer`,
    serviceName: 'authorizer',
    role: stateful.roles.authorizer,
    memorySize: 256,
    timeout: Duration.seconds(5),
    reservedConcurrentExecutions: config.reservedConcurrency.authorizer,
    environment: {
      IDP_ISSUER: issuer,
      IDP_AUDIENCE: adminAudience(issuer),
      IDP_ROUTE_SCOPES: JSON.stringify(ADMIN_ROUTE_SCOPES),
      // People's tokens too (through idp-cli or idp-console): the admin function checks the person.
      IDP_SUBJECT: 'any',
      // A revoked token or a disabled admin stops at once: the token status (deny-list, client, user)
      // is read on every admin request (admin traffic is low), and authorizer results are not cached
      // (lib/api-routes.ts).
      IDP_TABLE_NAME: stateful.table.tableName,
      IDP_CLIENT_STATUS_TTL_SECONDS: '0',
    },
  });
  const signInConfig = config.signIn;
  validateSignInFunction(stage, signInConfig);
  const signIn = new IdpFunction(scope, 'SignInFunction', {
    ...common,
    entry: handlerEntry('sign-in-handler.ts'),
    description: `serverless-idp ${stage}: hosted pages (${AUTHORIZE_PATH}, sign-in, consent, logout, set-password)`,
    serviceName: 'sign-in',
    role: stateful.roles.signIn,
    // scrypt N=2^17, r=8 takes 128 MiB and a CPU: the memory buys the CPU share (lib/config.ts).
    memorySize: signInConfig.memorySize,
    timeout: signInConfig.timeout,
    reservedConcurrentExecutions: signInConfig.reservedConcurrency,
    environment: {
      IDP_ISSUER: issuer,
      IDP_TABLE_NAME: stateful.table.tableName,
      IDP_PEPPER_SECRET_ARN: stateful.pepperSecret.secretArn,
      ...(signInConfig.displayName !== undefined ? { IDP_DISPLAY_NAME: signInConfig.displayName } : {}),
      ...(signInConfig.sessionTtl !== undefined
        ? { IDP_SIGN_IN_SESSION_TTL: String(signInConfig.sessionTtl.toSeconds()) }
        : {}),
      ...originVerifyEnv,
    },
  });
  const userinfo = new IdpFunction(scope, 'UserinfoFunction', {
    ...common,
    entry: handlerEntry('userinfo-handler.ts'),
    description: `serverless-idp ${stage}: ${USERINFO_PATH}`,
    serviceName: 'userinfo',
    role: stateful.roles.userinfo,
    memorySize: config.memorySize,
    reservedConcurrentExecutions: config.reservedConcurrency.userinfo,
    // Verifies with the issuer's JWKS over https (<issuer>/.well-known/jwks.json), never kms:GetPublicKey.
    environment: { IDP_ISSUER: issuer, IDP_TABLE_NAME: stateful.table.tableName, ...originVerifyEnv },
  });
  const consoleFn = new IdpFunction(scope, 'ConsoleFunction', {
    ...common,
    entry: handlerEntry('console-handler.ts'),
    description: `serverless-idp ${stage}: admin console (${CONSOLE_PREFIX}/)`,
    serviceName: 'console',
    // Its own role: logs and X-Ray only (IdpFunction), nothing of the table, keys or secrets.
    memorySize: 256,
    timeout: Duration.seconds(5),
    environment: {
      IDP_ISSUER: issuer,
      IDP_STAGE: stage,
      ...(signInConfig.displayName !== undefined ? { IDP_DISPLAY_NAME: signInConfig.displayName } : {}),
    },
  });
  Validations.of(consoleFn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  });
  if (originVerify !== undefined) {
    // In this scope's stack (the roles live in the stateful stack, which must not point back here).
    new iam.Policy(scope, 'OriginVerifyRead', {
      roles: [
        stateful.roles.token,
        stateful.roles.discovery,
        stateful.roles.admin,
        stateful.roles.signIn,
        stateful.roles.userinfo,
      ],
      statements: [
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [originVerify.secretArn] }),
      ],
    });
  }
  const functions = { token, discovery, admin, authorizer, signIn, userinfo, console: consoleFn };
  for (const f of Object.values(functions)) {
    Validations.of(f.fn).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_RUNTIME_PIN_REASON });
  }
  return functions;
}
