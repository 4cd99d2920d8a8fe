/**
 * Builds the admin console (console/src) into versioned static files with esbuild: one JavaScript
 * bundle (Preact, minified, ES2020 for the browsers of the last years), one stylesheet, each named by
 * its content hash, with linked source maps, and the `index.html` that loads them (no inline script:
 * the CSP is `script-src 'self'`). Nothing is written to disk here: the local server serves the result
 * from memory (lambdas/local/local-idp.ts) and the AWS console function's bundle gets it as one JSON
 * file (console/build-cli.ts, run by the CDK bundling hook in lib/api-functions.ts).
 */
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { ConsoleAssets, ConsoleFile } from '../lambdas/domain/endpoints/console-endpoint';
import { CONSOLE_CONFIG_PLACEHOLDER } from '../lambdas/domain/endpoints/console-endpoint';
import { CONSOLE_ASSETS_PREFIX } from '../lambdas/domain/endpoints/paths';

const SOURCE = path.join(__dirname, 'src');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript;charset=utf-8',
  '.css': 'text/css;charset=utf-8',
  '.map': 'application/json;charset=utf-8',
};

/** The page shell; the `<meta>` carries the settings (lambdas/domain/endpoints/console-endpoint.ts). */
function indexHtml(script: string, stylesheet: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="idp-console" content="${CONSOLE_CONFIG_PLACEHOLDER}">`,
    '<title>Admin console</title>',
    `<link rel="stylesheet" href="${CONSOLE_ASSETS_PREFIX}${stylesheet}">`,
    `<script type="module" src="${CONSOLE_ASSETS_PREFIX}${script}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"><p class="boot" role="status">Loading the admin console…</p></div>',
    '<noscript>The admin console needs JavaScript.</noscript>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Builds the console; every call builds again (the local server memoises it: {@link consoleAssets}). */
export async function buildConsole(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [path.join(SOURCE, 'main.tsx')],
    bundle: true,
    write: false,
    outdir: '/console-out',
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(__dirname, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'silent',
    metafile: false,
  });
  const files: Record<string, ConsoleFile> = {};
  let script: string | undefined;
  let stylesheet: string | undefined;
  for (const out of result.outputFiles) {
    const name = path.basename(out.path);
    const ext = name.endsWith('.map') ? '.map' : path.extname(name);
    const contentType = CONTENT_TYPES[ext];
    if (contentType === undefined) throw new Error(`console build: unexpected output ${name}`);
    files[name] = { contentType, body: out.text };
    if (ext === '.js') script = name;
    if (ext === '.css') stylesheet = name;
  }
  if (script === undefined || stylesheet === undefined) throw new Error('console build: no script or stylesheet');
  return { indexTemplate: indexHtml(script, stylesheet), files };
}

let memo: Promise<ConsoleAssets> | undefined;

/** The console built once per process (a failed build is tried again at the next call). */
export function consoleAssets(): Promise<ConsoleAssets> {
  memo ??= buildConsole().catch((err: unknown) => {
    memo = undefined;
    throw err;
  });
  return memo;
}

/** The JavaScript files of a build and their total size, raw and gzipped (the budget: ≤ 250 KB gzipped). */
export function javascriptSize(assets: ConsoleAssets): { bytes: number; gzipBytes: number } {
  let bytes = 0;
  let gzipBytes = 0;
  for (const [name, file] of Object.entries(assets.files)) {
    if (!name.endsWith('.js')) continue;
    const raw = Buffer.from(file.body, 'utf8');
    bytes += raw.length;
    gzipBytes += gzipSync(raw, { level: 9 }).length;
  }
  return { bytes, gzipBytes };
}
