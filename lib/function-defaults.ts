/**
 * The one place that decides how every Lambda function of the IdP is built and run (docs/deploy.md,
 * Architecture): Node.js 22 on arm64 (Graviton: ~20% cheaper per GB-s than x86), esbuild ESM bundles, minified,
 * with source maps, an explicit log group with the stage's retention, X-Ray tracing and Powertools
 * environment. The bundle settings are exported so the bundle smoke test builds byte-for-byte the
 * same artefact (test/infra/bundle-smoke.test.ts).
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root (lib/..), where package-lock.json and lambdas/ live. */
export const PROJECT_ROOT = path.join(__dirname, '..');

/** Absolute path of a handler entry under lambdas/handlers/. */
export function handlerEntry(file: string): string {
  return path.join(PROJECT_ROOT, 'lambdas', 'handlers', file);
}

/** The Lambda runtime of every IdP function. */
export const RUNTIME = lambda.Runtime.NODEJS_22_X;
/** The reason of the cdk-nag `AwsSolutions-L1` (latest runtime) acknowledgement on every IdP function. */
export const NODE_RUNTIME_PIN_REASON =
  'Pinned to Node.js 22 (docs/deploy.md, cdk-nag): the bundles target node22 and the runtime is upgraded deliberately together with the esbuild target.';
/** The Lambda architecture of every IdP function. */
export const ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * ESM needs `require` for the CommonJS modules esbuild inlines (they `require('node:…')` built-ins):
 * recreate it from `import.meta.url`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __idpCreateRequire } from 'node:module'; const require = __idpCreateRequire(import.meta.url);";

/**
 * Where the AWS SDK v3 comes from, per function. The Node.js 22 Lambda runtime ships the SDK (with its
 * @smithy dependencies) and resolves ES-module imports of it, so leaving it out keeps a bundle tiny; but
 * loading it from the runtime's node_modules at init costs several hundred milliseconds of cold start,
 * while a minified bundled copy loads 2.5–5.6× faster (`npm run bench`, section 4). So the request-path
 * functions bundle it (token ~460 KB, inside its 500 KB budget; sign-in ~430 KB; userinfo ~425 KB), and
 * only the authorizer, whose budget is 60 KB, takes the runtime's copy (~30 KB). The bundle smoke test
 * checks both shapes.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*', '@smithy/*'];

/** esbuild settings shared by every function; {@link bundlingFor} decides where the SDK comes from. */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  // Stack traces need the mappings only; leaving the sources out keeps the asset small.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  externalModules: EXTERNAL_MODULES,
  logLevel: LogLevel.WARNING,
};

/** Whether a handler's bundle carries the AWS SDK (by entry file name); unlisted entries do. */
export const BUNDLES_AWS_SDK: Readonly<Record<string, boolean>> = {
  'token-handler.ts': true,
  'discovery-handler.ts': true,
  'admin-handler.ts': true,
  'bootstrap-handler.ts': true,
  'envelope-key-handler.ts': true,
  'sign-in-handler.ts': true,
  'userinfo-handler.ts': true,
  'authorizer-handler.ts': false,
  // Imports no SDK at all (static files).
  'console-handler.ts': false,
};

/**
 * The console function's bundling hook: after esbuild bundled the handler, the console app itself
 * (console/src, Preact) is built with esbuild into `console-assets.json` in the same asset folder, where
 * the handler reads it at its cold start (lambdas/handlers/compose/console.ts). Runs on the machine that
 * synthesizes (local bundling, no Docker), from the project root.
 */
export const CONSOLE_BUNDLING_HOOKS: NonNullable<BundlingOptions['commandHooks']> = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) => [
    `cd "${inputDir}" && node --import tsx console/build-cli.ts "${outputDir}"`,
  ],
};

/** esbuild settings of a function: ESM, minified, node22, source maps; the SDK bundled or from the runtime. */
export function bundlingFor(entry: string): BundlingOptions {
  const bundleSdk = BUNDLES_AWS_SDK[path.basename(entry)] ?? true;
  return {
    ...BUNDLING,
    externalModules: bundleSdk ? [] : EXTERNAL_MODULES,
    ...(path.basename(entry) === 'console-handler.ts' ? { commandHooks: CONSOLE_BUNDLING_HOOKS } : {}),
  };
}

/** Props of {@link IdpFunction}. */
export interface IdpFunctionProps {
  /** Absolute path of the handler module (see {@link handlerEntry}). */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`), e.g. `token`. */
  readonly serviceName: string;
  /** CloudWatch metrics namespace (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricsNamespace: string;
  /** Environment variables of the handler, in addition to the defaults. @default - none */
  readonly environment?: Record<string, string>;
  /** Memory, MB. @default 512 */
  readonly memorySize?: number;
  /** Timeout. @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Removal policy of the log group. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Execution role. When given, its other permissions are granted by its owner; this construct adds
   * only the log-group write permission (in this construct's stack, so a role from the stateful stack
   * gains no reference back to the API stack).
   * @default - a new role trusted by Lambda with no permissions beyond its log group and X-Ray
   */
  readonly role?: iam.IRole;
  /** Reserved concurrency. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Provisioned concurrency on the `live` alias; when set, {@link IdpFunction.target} is that alias. @default - none */
  readonly provisionedConcurrentExecutions?: number;
}

/**
 * A NodejsFunction with the IdP's defaults, its log group and, with provisioned concurrency, a `live`
 * alias. Integrate {@link target}, not {@link fn}.
 */
export class IdpFunction extends Construct {
  readonly fn: NodejsFunction;
  /** The alias with provisioned concurrency, or the function itself. */
  readonly target: lambda.IFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: IdpFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role =
      props.role ??
      new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${props.description}`,
      });
    // Only this function's log group; no AWSLambdaBasicExecutionRole (logs:* on every group).
    const logsPolicy = new iam.Policy(this, 'LogsPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: bundlingFor(props.entry),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        // No NODE_OPTIONS=--enable-source-maps: it parses the map at every cold start (~25 ms for the
        // token bundle), and the logs carry error names and messages, never stacks. The map is in the
        // asset for anyone debugging with the flag.
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        ...props.environment,
      },
    });
    this.fn.node.addDependency(logsPolicy);
    this.target =
      props.provisionedConcurrentExecutions !== undefined && props.provisionedConcurrentExecutions > 0
        ? new lambda.Alias(this, 'Live', {
            aliasName: 'live',
            version: this.fn.currentVersion,
            provisionedConcurrentExecutions: props.provisionedConcurrentExecutions,
          })
        : this.fn;
  }
}
