/**
 * Size and cold module-init time of each Lambda bundle (`lambdas/handlers/*-handler.ts`), built with
 * esbuild the way the CDK's NodejsFunction runs it (bundle, platform node, ESM, target node22, minify,
 * `--main-fields=module,main`, the ESM `require` banner), source maps off for the size, in two variants:
 *
 * - `deployed`: the function's own settings, lib/function-defaults.ts `bundlingFor` (the AWS SDK
 *   bundled in every function but the authorizer);
 * - `alternative`: the other choice for the SDK (bundled where the deployed one is external and the
 *   reverse; an external SDK loads from node_modules at init, and a `node_modules` link next to the
 *   bundles stands in for the Lambda runtime's copy).
 *
 * Init time: the median of N fresh `node` processes, each timing `await import(bundle)` with
 * `performance.now()` inside the process (process spawn and Node's own start-up are not counted).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const HANDLERS = path.join(ROOT, 'lambdas', 'handlers');

/** The banner the CDK uses for ESM bundles that inline CommonJS (fallback when lib/ cannot be read). */
const DEFAULT_ESM_BANNER =
  "import { createRequire as __idpCreateRequire } from 'node:module'; const require = __idpCreateRequire(import.meta.url);";

/** `deployed`: the function's own settings (lib/function-defaults.ts `bundlingFor`); `alternative`: the other SDK choice. */
export type BundleVariant = 'deployed' | 'alternative';

export interface BundleRow {
  handler: string;
  variant: BundleVariant;
  /** Whether the AWS SDK is in the bundle or loaded from node_modules (the Lambda runtime's copy). */
  sdk: 'bundled' | 'external';
  bytes: number;
  gzipBytes: number;
  /** Milliseconds: median of `runs` fresh processes. */
  initMedianMs: number;
  initRunsMs: number[];
  /** Budget from docs/contract.md (Budgets), bytes (token ≤ 500 KB, authorizer ≤ 60 KB), when one applies. */
  budgetBytes?: number;
}

export interface BundleBenchResult {
  rows: BundleRow[];
  /** Where the `deployed` settings came from, or why they could not be read. */
  deployedSettings: string;
}

const BUDGETS: Record<string, number> = { token: 500 * 1024, authorizer: 60 * 1024 };

/** Environment the handlers may read at import time (nothing is called; values are placeholders). */
const INIT_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  IDP_ISSUER: 'https://idp.bench.example',
  IDP_AUDIENCE: 'https://idp.bench.example/admin',
  IDP_ROUTE_SCOPES: JSON.stringify({ GET: ['admin:read'], '*': ['admin:write'] }),
  IDP_TABLE_NAME: 'bench',
  IDP_SIGNING_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/bench',
  IDP_SIGNING_ALG: 'RS256',
  IDP_PEPPER_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:bench',
  IDP_DEFAULT_ACCESS_TOKEN_TTL: '3600',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'bench',
};

/** Child program: time the import of the bundle named by BENCH_BUNDLE_URL, print milliseconds. */
const INIT_PROGRAM = [
  "const { performance } = await import('node:perf_hooks');",
  'const t0 = performance.now();',
  'await import(process.env.BENCH_BUNDLE_URL);',
  'process.stdout.write(String(performance.now() - t0));',
  'process.exit(0);',
].join('\n');

const SDK_EXTERNAL = ['@aws-sdk/*', '@smithy/*'];

/** The function's deployed esbuild settings and whether they bundle the SDK. */
async function deployedOptions(
  file: string,
): Promise<{ options: Partial<BuildOptions>; sdkBundled: boolean; source: string }> {
  try {
    const { bundlingFor } = await import('../lib/function-defaults.js');
    const bundling = bundlingFor(file);
    const external = bundling.externalModules ?? ['@aws-sdk/*'];
    return {
      options: {
        format: bundling.format === 'cjs' ? 'cjs' : 'esm',
        target: bundling.target,
        minify: bundling.minify,
        mainFields: bundling.mainFields,
        banner: bundling.banner === undefined ? undefined : { js: bundling.banner },
        external,
      },
      sdkBundled: external.length === 0,
      source: 'lib/function-defaults.ts bundlingFor (the SDK bundled in every function but the authorizer)',
    };
  } catch (err) {
    return {
      options: { format: 'esm', target: 'node22', minify: true, mainFields: ['module', 'main'], external: [] },
      sdkBundled: true,
      source: `lib/function-defaults.ts could not be loaded (${err instanceof Error ? err.message : String(err)}); used ESM/node22/minify with the SDK bundled`,
    };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function initTimes(bundle: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', INIT_PROGRAM], {
      cwd: path.dirname(bundle),
      env: { PATH: process.env['PATH'] ?? '', ...INIT_ENV, BENCH_BUNDLE_URL: pathToFileURL(bundle).href },
      timeout: 30_000,
    });
    const ms = Number(stdout.trim());
    if (!Number.isFinite(ms)) throw new Error(`init of ${bundle} printed ${stdout}`);
    times.push(ms);
  }
  return times;
}

export async function benchBundles(runs: number): Promise<BundleBenchResult> {
  const entries = (await readdir(HANDLERS)).filter((file) => file.endsWith('-handler.ts')).sort();
  let source = '';
  const outRoot = await mkdtemp(path.join(os.tmpdir(), 'idp-bench-bundles-'));
  try {
    // Stands in for the runtime's SDK where it is external.
    await symlink(path.join(ROOT, 'node_modules'), path.join(outRoot, 'node_modules'), 'dir');
    const rows: BundleRow[] = [];
    for (const file of entries) {
      const handler = file.replace(/-handler\.ts$/, '');
      const deployed = await deployedOptions(file);
      source = deployed.source;
      const alternative: Partial<BuildOptions> = {
        ...deployed.options,
        banner: deployed.options.banner ?? { js: DEFAULT_ESM_BANNER },
        external: deployed.sdkBundled ? SDK_EXTERNAL : [],
      };
      const variants: [BundleVariant, Partial<BuildOptions>, boolean][] = [
        ['deployed', deployed.options, deployed.sdkBundled],
        ['alternative', alternative, !deployed.sdkBundled],
      ];
      for (const [variant, options, sdkBundled] of variants) {
        const dir = path.join(outRoot, variant, handler);
        await mkdir(dir, { recursive: true });
        const outfile = path.join(dir, 'index.mjs');
        await build({
          ...options,
          entryPoints: [path.join(HANDLERS, file)],
          bundle: true,
          platform: 'node',
          outfile,
          sourcemap: false,
          logLevel: 'silent',
        });
        const code = await readFile(outfile);
        const times = await initTimes(outfile, runs);
        rows.push({
          handler,
          variant,
          sdk: sdkBundled ? 'bundled' : 'external',
          bytes: code.byteLength,
          gzipBytes: gzipSync(code).byteLength,
          initMedianMs: median(times),
          initRunsMs: times,
          budgetBytes: BUDGETS[handler],
        });
      }
    }
    return { rows, deployedSettings: source };
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
}
