/**
 * Composition of the console function (docs/contract.md, "Admin console"): the built assets, read once
 * per cold start from `console-assets.json` beside the bundle (written by the CDK bundling hook,
 * lib/api-functions.ts), and the page settings from the environment:
 * - `IDP_ISSUER` (required);
 * - `IDP_DISPLAY_NAME`: the issuer's name in the console's header (default: the issuer's host);
 * - `IDP_STAGE`: the stage's name, shown beside it (required);
 * - `LAMBDA_TASK_ROOT` (set by Lambda): where the bundle and the assets file are.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConsoleAssets, ConsoleSettings } from '../../domain/endpoints/console-endpoint';
import { CONSOLE_CLIENT_ID } from '../../domain/bootstrap';
import { defaultDisplayName } from '../../domain/pages/layout';
import type { EnvironmentVariables } from './environment';
import { env, optionalEnv } from './environment';

/** The file the bundling hook writes next to the handler's bundle (console/build-cli.ts). */
export const CONSOLE_ASSETS_FILE = 'console-assets.json';

export interface ConsoleDeps {
  assets: ConsoleAssets;
  settings: ConsoleSettings;
}

/** The console's settings from the function's environment. */
export function consoleSettings(vars: EnvironmentVariables): ConsoleSettings {
  const issuer = env(vars, 'IDP_ISSUER');
  return {
    issuer,
    displayName: optionalEnv(vars, 'IDP_DISPLAY_NAME') ?? defaultDisplayName(issuer),
    stage: env(vars, 'IDP_STAGE'),
    clientId: CONSOLE_CLIENT_ID,
  };
}

/**
 * Reads the assets from `<LAMBDA_TASK_ROOT>/console-assets.json` (Lambda sets `LAMBDA_TASK_ROOT` to the
 * folder the bundle was unpacked into) and the settings.
 */
export async function composeConsole(vars: EnvironmentVariables): Promise<ConsoleDeps> {
  const file = path.join(env(vars, 'LAMBDA_TASK_ROOT'), CONSOLE_ASSETS_FILE);
  const assets = JSON.parse(await readFile(file, 'utf8')) as ConsoleAssets;
  if (typeof assets.indexTemplate !== 'string' || typeof assets.files !== 'object') {
    throw new Error(`${CONSOLE_ASSETS_FILE} is not a console build`);
  }
  return { assets, settings: consoleSettings(vars) };
}
