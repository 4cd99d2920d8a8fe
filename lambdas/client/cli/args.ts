/**
 * Reading the command line: {@link normalizeArgs} before `node:util` `parseArgs`, then typed readers
 * of the parsed values that throw {@link UsageError} (exit code 2) with the option's name.
 */
import type { ClientAuthMethod } from '../token-client';
import type { Invocation, OptionSpec } from './command';
import { UsageError } from './command';

/**
 * Lets values start with `-`, as generated ids (base64url) and secrets can: `parseArgs` would take
 * `--client-id -Xy` or a positional `-Xy` for options. A string option always takes the next argument
 * as its value (`--name value` becomes `--name=value`); an argument such as `-Xy…` that is not a
 * cluster of known short flags is a positional. Positionals are passed after `--`, in their order.
 */
export function normalizeArgs(args: readonly string[], options: Record<string, OptionSpec>): string[] {
  const valueLong = new Set(Object.keys(options).filter((name) => options[name]!.type === 'string'));
  const valueShort = new Map<string, string>();
  const flagShort = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.short === undefined) continue;
    if (spec.type === 'string') valueShort.set(spec.short, name);
    else flagShort.add(spec.short);
  }
  const out: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && valueLong.has(arg.slice(2)) && next !== undefined) {
        out.push(`${arg}=${next}`);
        i++;
      } else {
        out.push(arg);
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg.slice(1);
      if (short.length === 1 && valueShort.has(short) && next !== undefined) {
        out.push(`--${valueShort.get(short)!}=${next}`);
        i++;
      } else if (short.length === 1 || [...short].every((c) => flagShort.has(c))) {
        out.push(arg);
      } else {
        positionals.push(arg);
      }
    } else {
      positionals.push(arg);
    }
  }
  return positionals.length === 0 ? out : [...out, '--', ...positionals];
}

/** A string option, or undefined when not given. */
export function str(inv: Invocation, name: string): string | undefined {
  const value = inv.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every value of a repeatable string option. */
export function strs(inv: Invocation, name: string): string[] {
  const value = inv.values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether a boolean option was given. */
export function flag(inv: Invocation, name: string): boolean {
  return inv.values[name] === true;
}

/** A string option that must be given and not empty. */
export function required(inv: Invocation, name: string): string {
  const value = str(inv, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Scopes from repeated `--scope` options, each space-delimited. */
export function scopes(inv: Invocation): string[] {
  return [...new Set(strs(inv, 'scope').flatMap((s) => s.split(' ').filter((t) => t !== '')))];
}

/** An integer option of at least `min`, or undefined when not given. */
export function integer(inv: Invocation, name: string, min = 1): number | undefined {
  const value = str(inv, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return Number(value);
}

/** `--ttl N` or `--ttl default` (null: back to the default). */
export function ttl(inv: Invocation): number | null | undefined {
  if (str(inv, 'ttl') === 'default') return null;
  return integer(inv, 'ttl');
}

/** A `true|false` string option (a change: absent means leave as is). */
export function trueOrFalse(inv: Invocation, name: string): boolean | undefined {
  const value = str(inv, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new UsageError(`--${name} must be true or false`);
  return value === 'true';
}

/** An option holding a JSON object. */
export function jsonObject(inv: Invocation, name: string): Record<string, unknown> | undefined {
  const value = str(inv, name);
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`--${name} must be JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--${name} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** `--auth-method basic|post` (or the RFC 7591 names) as the token endpoint auth method. */
export function authMethod(value: string | undefined): ClientAuthMethod | undefined {
  if (value === undefined) return undefined;
  if (value === 'basic' || value === 'client_secret_basic') return 'client_secret_basic';
  if (value === 'post' || value === 'client_secret_post') return 'client_secret_post';
  throw new UsageError('--auth-method must be basic or post');
}

const DURATION = /^(\d+)([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `30s`, `15m`, `2h`, `7d` in ms, or undefined when the value is not a duration. */
export function durationMs(value: string): number | undefined {
  const match = DURATION.exec(value);
  return match === null ? undefined : Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] * 1000;
}

/** An ISO 8601 date-time (or date), normalised to UTC. */
export function parseDate(value: string, name: string): string {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new UsageError(`--${name} must be an ISO 8601 date-time such as 2030-01-31T12:00:00Z`);
  }
  return new Date(parsed).toISOString();
}

/** A duration ago (`30m`, `2h`, `7d`) or an ISO 8601 date-time. */
export function parseSince(value: string, now: number, name = 'since'): string {
  const ms = durationMs(value);
  if (ms !== undefined) return new Date(now - ms).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new UsageError(`--${name} must be a duration (30m, 2h, 7d) or an ISO 8601 date-time`);
  }
  return parseDate(value, name);
}

/** Reads a token argument; `-` reads it from standard input. */
export async function tokenArgument(inv: Invocation): Promise<string> {
  const arg = inv.args[0];
  if (arg === undefined) throw new UsageError('a TOKEN argument is required (or - to read it from stdin)');
  return (arg === '-' ? await inv.io.readStdin() : arg).trim();
}
