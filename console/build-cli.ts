/**
 * `node --import tsx console/build-cli.ts <dir>`: writes the built console as `<dir>/console-assets.json`
 * (the shape of `ConsoleAssets`), which the AWS console function reads at its cold start
 * (lambdas/handlers/console-handler.ts). Run by the CDK bundling hook (lib/api-functions.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildConsole } from './build';

export const CONSOLE_ASSETS_FILE = 'console-assets.json';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: console/build-cli.ts <output directory>');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, CONSOLE_ASSETS_FILE), JSON.stringify(await buildConsole()));
}

main().catch((err: unknown) => {
  process.stderr.write(`console build failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
