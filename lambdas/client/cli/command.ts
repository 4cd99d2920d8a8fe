/**
 * What a command of the `idp` CLI is: its options, its positional arguments, its `run`; the options
 * many commands share; and the two kinds of failure with their exit codes (2 usage, 1 anything else).
 */

/** What the CLI reads and writes; the process's in `bin/idp.ts`. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** All of standard input. */
  readStdin: () => Promise<string>;
  /** Injectable `fetch` (tests); default the global one. */
  fetch?: typeof fetch;
}

/** The issuer when neither `--issuer` nor `$IDP_ISSUER` names one: the local IdP of `npm start`. */
export const DEFAULT_ISSUER = 'http://localhost:3000';

/** One option of a command, for `node:util` `parseArgs` and for help. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder in help, e.g. `URL`. */
  value?: string;
  /** Help text; `(required)` in it marks the option required in the usage line. */
  description: string;
}

/** One parsed invocation, as a command's `run` gets it. */
export interface Invocation {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  args: string[];
  io: CliIo;
  json: boolean;
}

/** A command: `name` is one word (`token`) or a group and a verb (`clients list`). */
export interface Command {
  /** e.g. `clients list`. */
  name: string;
  /** Positional arguments in help, e.g. `CLIENT_ID`; `?` suffix = optional. */
  args: string[];
  summary: string;
  options: Record<string, OptionSpec>;
  /** Uses the admin API (adds --issuer). */
  admin?: boolean;
  /** Extra help text. */
  details?: string;
  run(inv: Invocation): Promise<void>;
}

/** A usage error: exit code 2, with the command's usage line when known. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure reported as `error: <message>` with exit code 1. */
export class CliFailure extends Error {}

// ---------------------------------------------------------------- shared options

export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print JSON instead of text' };
export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };
export const ISSUER_OPTION: OptionSpec = {
  type: 'string',
  value: 'URL',
  description: `the issuer (default: $IDP_ISSUER, else ${DEFAULT_ISSUER})`,
};
export const IF_MATCH_OPTION: OptionSpec = {
  type: 'string',
  value: 'VERSION',
  description: 'only if the resource is still at this version (If-Match; 412 otherwise)',
};
/** `--limit`, `--cursor`, `--all` of the listings that page (see `listing` in admin-access.ts). */
export const PAGE_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: 'string', value: 'N', description: 'page size (1-100)' },
  cursor: { type: 'string', value: 'CURSOR', description: 'continue from a previous page' },
  all: { type: 'boolean', description: 'follow every page' },
};
/** `-s, --scope SCOPES`, repeatable, each space-delimited (RFC 6749 §3.3). */
export function scopeOption(description: string): OptionSpec {
  return { type: 'string', short: 's', multiple: true, value: 'SCOPES', description };
}
/** `-a, --audience API`: an API identifier (the `aud` of its tokens). */
export function audienceOption(description: string): OptionSpec {
  return { type: 'string', short: 'a', value: 'API', description };
}

/** Every option a command takes: its own, `--issuer` for admin commands, then `--json` and `--help`. */
export function optionsOf(command: Command): Record<string, OptionSpec> {
  return {
    ...command.options,
    ...(command.admin === true ? { issuer: ISSUER_OPTION } : {}),
    json: JSON_OPTION,
    help: HELP_OPTION,
  };
}
