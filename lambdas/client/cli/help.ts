/** The help texts: `idp --help`, `idp <group> --help` and `idp <command> --help`, and usage lines. */
import type { Command } from './command';
import { DEFAULT_ISSUER, optionsOf } from './command';

/** `idp <name> <ARGS> --<required option> VALUE… [options]`. */
export function usageLine(command: Command): string {
  const args = command.args.map((a) => ` ${a}`).join('');
  const requiredOptions = Object.entries(command.options)
    .filter(([, spec]) => spec.description.includes('(required)'))
    .map(([name, spec]) => ` --${name} ${spec.value ?? ''}`.trimEnd())
    .join('');
  return `idp ${command.name}${args}${requiredOptions} [options]`;
}

/** A command's help: usage, summary, details, options, and where admin credentials come from. */
export function commandHelp(command: Command): string {
  const options = Object.entries(optionsOf(command)).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    return [`  ${short}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`, spec.description];
  });
  const width = Math.max(...options.map(([left]) => left!.length));
  const lines = [
    `Usage: ${usageLine(command)}`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
  ];
  if (command.details !== undefined) lines.push('', command.details);
  lines.push('', 'Options:', ...options.map(([left, right]) => `${left!.padEnd(width)}  ${right}`));
  if (command.admin === true) {
    lines.push(
      '',
      'Admin credentials: $IDP_ADMIN_CLIENT_ID and $IDP_ADMIN_CLIENT_SECRET, else your sign-in from `idp login`',
      "for the issuer, else (for a localhost issuer) the local IdP's .idp/bootstrap.json (or",
      '$IDP_DATA_DIR/bootstrap.json).',
    );
  }
  return lines.join('\n');
}

/** `  idp <name> <ARGS>  <summary>` lines, aligned. */
function commandList(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length + 1 + c.args.join(' ').length));
  return commands.map((c) => `  idp ${`${c.name} ${c.args.join(' ')}`.padEnd(width)}  ${c.summary}`);
}

/** A group's help: its commands. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  return [
    `Usage: idp ${group} <command> [options]`,
    '',
    'Commands:',
    ...commandList(commands.filter((c) => c.name.startsWith(`${group} `))),
    '',
    `Run \`idp ${group} <command> --help\` for its options.`,
  ].join('\n');
}

/** `idp --help`: every command, the common options, the default issuer and the exit codes. */
export function mainHelp(commands: readonly Command[]): string {
  return [
    'idp: tokens and administration for serverless-idp',
    '',
    'Usage: idp <command> [options]',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Every command takes --json (JSON output) and --help. Run `idp <command> --help` for its options.',
    `The issuer defaults to $IDP_ISSUER, else ${DEFAULT_ISSUER} (the local IdP of \`npm start\`).`,
    'Exit codes: 0 success, 1 an error from the IdP or an invalid token, 2 a usage error.',
  ].join('\n');
}
