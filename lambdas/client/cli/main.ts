/**
 * The `idp` command line: a person's sign-in (`login`, `whoami`, `logout`), tokens (`token`),
 * inspection (`decode`, `verify`) and the admin API (`clients`, `secrets`, `apis`, `rules`, `users`,
 * `audit`, `keys`). Arguments are parsed with `node:util` `parseArgs`.
 *
 * Exit codes: 0 success; 1 an API, token-endpoint, network or verification error; 2 a usage error
 * (unknown command or option, missing argument or credentials). Errors go to stderr as
 * `error: <title>: <detail>`; results to stdout as aligned text, or JSON with `--json`.
 *
 * `runCli` takes its environment and streams as arguments so tests can run it in-process; `bin/idp.ts`
 * calls it with the process's.
 */
import { parseArgs } from 'node:util';
import { AdminApiError } from '../admin-client';
import { TokenClientError, TokenEndpointError } from '../token-client';
import { normalizeArgs } from './args';
import type { CliIo, Command } from './command';
import { CliFailure, UsageError, optionsOf } from './command';
import { COMMANDS, GROUPS } from './commands';
import { commandHelp, groupHelp, mainHelp, usageLine } from './help';

export type { CliIo } from './command';

function findCommand(argv: string[]): { command: Command; rest: string[] } | { help: string } {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && second !== undefined) return findCommand([...argv.slice(1), '--help']);
    return { help: mainHelp(COMMANDS) };
  }
  if (GROUPS.includes(first)) {
    if (second === undefined || second === '--help' || second === '-h') return { help: groupHelp(first, COMMANDS) };
    const command = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (command === undefined) {
      throw new UsageError(`unknown command: idp ${first} ${second}\n\n${groupHelp(first, COMMANDS)}`);
    }
    return { command, rest: argv.slice(2) };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) throw new UsageError(`unknown command: ${first}\n\nRun \`idp --help\` for the commands.`);
  return { command, rest: argv.slice(1) };
}

/** The stderr text and exit code of a failure. */
function report(err: unknown, command: Command | undefined): { text: string; code: number } {
  if (err instanceof UsageError) {
    const cmd = err.command ?? command;
    return { text: `error: ${err.message}\n${cmd === undefined ? '' : `usage: ${usageLine(cmd)}\n`}`, code: 2 };
  }
  if (err instanceof AdminApiError) {
    const lines = [`error: ${err.title}: ${err.detail}`];
    for (const e of err.errors) lines.push(`  ${e.pointer ?? e.parameter ?? e.header ?? ''}: ${e.detail}`);
    return { text: `${lines.join('\n')}\n`, code: 1 };
  }
  if (err instanceof TokenEndpointError) {
    return { text: `error: ${err.error}: ${err.error_description ?? `HTTP ${err.status}`}\n`, code: 1 };
  }
  if (err instanceof TokenClientError || err instanceof CliFailure) return { text: `error: ${err.message}\n`, code: 1 };
  return { text: `error: ${err instanceof Error ? err.message : String(err)}\n`, code: 1 };
}

/**
 * Runs one `idp` invocation.
 * @returns the exit code: 0 success, 1 error, 2 usage error
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command: Command | undefined;
  try {
    const found = findCommand(argv);
    if ('help' in found) {
      io.stdout(`${found.help}\n`);
      return 0;
    }
    command = found.command;
    let parsed: ReturnType<typeof parseArgs>;
    try {
      const options = optionsOf(command);
      parsed = parseArgs({ args: normalizeArgs(found.rest, options), options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message, command);
    }
    if (parsed.values['help'] === true) {
      io.stdout(`${commandHelp(command)}\n`);
      return 0;
    }
    const min = command.args.filter((a) => !a.endsWith('?')).length;
    if (parsed.positionals.length < min) {
      throw new UsageError(`missing argument ${command.args[parsed.positionals.length]}`, command);
    }
    if (parsed.positionals.length > command.args.length) {
      throw new UsageError(`unexpected argument ${parsed.positionals[command.args.length]}`, command);
    }
    const json = parsed.values['json'] === true;
    await command.run({ values: parsed.values, args: parsed.positionals, io, json });
    return 0;
  } catch (err) {
    const { text, code } = report(err, command);
    io.stderr(text);
    return code;
  }
}
