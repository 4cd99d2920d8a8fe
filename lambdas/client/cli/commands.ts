/** The command table of `idp`, in the order `idp --help` lists it, assembled from the groups. */
import { apiCommands } from './api-commands';
import { auditCommands } from './audit-commands';
import { clientCommands } from './client-commands';
import type { Command } from './command';
import { jwtCommands } from './jwt-commands';
import { keyCommands } from './key-commands';
import { loginCommands } from './login-commands';
import { ruleCommands } from './rule-commands';
import { secretCommands } from './secret-commands';
import { tokenCommands } from './token-commands';
import { userCommands } from './user-commands';

/** Every command. */
export const COMMANDS: readonly Command[] = [
  ...loginCommands,
  ...tokenCommands,
  ...jwtCommands,
  ...clientCommands,
  ...secretCommands,
  ...apiCommands,
  ...ruleCommands,
  ...userCommands,
  ...auditCommands,
  ...keyCommands,
];

/** The groups (`clients`, `secrets`, …): the first word of every two-word command name. */
export const GROUPS: readonly string[] = [
  ...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!)),
];
