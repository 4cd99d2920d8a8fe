/**
 * The functions' configuration on AWS (docs/contract.md, Configuration › AWS functions, and Authorizers ›
 * Authorizer environment). {@link functionEnvironment} is the only read of `process.env` under lambdas/
 * besides the local runtime's entry (lambdas/local/main.ts); eslint.config.mjs enforces it. Every other
 * reader takes the variables as an argument, so composition is a function of a plain record.
 *
 * Read once per cold start, by function (set by lib/api-functions.ts and lib/idp-token-authorizer.ts):
 * - token (./token.ts): `IDP_ISSUER`, `IDP_TABLE_NAME`, `IDP_SIGNING_MODE`, `IDP_SIGNING_KEY_ARN`,
 *   `IDP_SIGNING_ALG`, `IDP_PEPPER_SECRET_ARN`, `IDP_DEFAULT_ACCESS_TOKEN_TTL`, `IDP_ORIGIN_VERIFY_SECRET_ARN`;
 *   in `envelope` mode `IDP_ENVELOPE_KEY_ARN`, `IDP_STAGE_NAME`, `IDP_SIGNING_KEY_ID` instead of the key ARN
 * - discovery (./discovery.ts): `IDP_ISSUER`, `IDP_SIGNING_MODE`, `IDP_SIGNING_KEY_ARN`, `IDP_SIGNING_ALG`,
 *   `IDP_PUBLISHED_KEY_ARNS`, `IDP_PUBLISHED_KEY_ALGS`, `IDP_ORIGIN_VERIFY_SECRET_ARN`; in `envelope` mode
 *   `IDP_TABLE_NAME`, `IDP_STAGE_NAME`, `IDP_PUBLISHED_KEY_IDS` instead of the key ARNs
 * - admin (./admin.ts): `IDP_ISSUER`, `IDP_TABLE_NAME`, `IDP_PEPPER_SECRET_ARN`, `IDP_AUDIT_RETENTION_DAYS`,
 *   `IDP_LASTING_SECRET_MARGIN_SECONDS` (not set by the stack), `IDP_ORIGIN_VERIFY_SECRET_ARN`
 * - authorizer (./authorizer.ts): `IDP_ISSUER`, `IDP_AUDIENCE`, `IDP_ROUTE_SCOPES`, `IDP_SUBJECT`, `IDP_JWKS`,
 *   `IDP_TABLE_NAME`, `IDP_CLIENT_STATUS_TTL_SECONDS`, `IDP_CLIENT_STATUS_STALE_SECONDS`
 * - sign-in (./sign-in.ts): `IDP_ISSUER`, `IDP_TABLE_NAME`, `IDP_PEPPER_SECRET_ARN`, `IDP_DISPLAY_NAME`,
 *   `IDP_SIGN_IN_SESSION_TTL`, `IDP_ORIGIN_VERIFY_SECRET_ARN`
 * - userinfo (./userinfo.ts): `IDP_ISSUER`, `IDP_TABLE_NAME`, `IDP_JWKS` (not set by the stack),
 *   `IDP_ORIGIN_VERIFY_SECRET_ARN`
 * - console (./console.ts): `IDP_ISSUER`, `IDP_STAGE`, `IDP_DISPLAY_NAME`, `LAMBDA_TASK_ROOT` (set by Lambda)
 * - bootstrap (./bootstrap.ts): none; its inputs are the custom resource's properties
 *
 * An empty variable counts as unset. A missing required or malformed variable throws an Error naming it
 * (never quoting a secret): composition fails and the function answers 503 (the authorizer: 500).
 * Powertools reads its own `POWERTOOLS_*` variables (./observability.ts).
 *
 * This module imports only domain constants, so the authorizer bundle can use it.
 */
import type { SigningAlgorithm } from '../../domain/ports';
import { MAX_ACCESS_TOKEN_TTL } from '../../domain/tokens/access-token';

/** Environment variables by name, as `process.env` holds them. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/** The function's own environment, as Lambda sets it. */
export function functionEnvironment(): EnvironmentVariables {
  return process.env;
}

/** An optional variable; empty is unset. */
export function optionalEnv(vars: EnvironmentVariables, name: string): string | undefined {
  const value = vars[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A required variable.
 * @throws Error `missing environment variable <name>`
 */
export function env(vars: EnvironmentVariables, name: string): string {
  const value = optionalEnv(vars, name);
  if (value === undefined) throw new Error(`missing environment variable ${name}`);
  return value;
}

/** Bounds of {@link envInteger}. */
export interface IntegerBounds {
  min: number;
  max: number;
  /** What the value must be, for the error message. @default 'a whole number' */
  what?: string;
}

/**
 * An optional whole number within bounds, in decimal digits (the stack writes `String(n)`); `fallback`
 * when unset.
 * @throws Error `<name> must be <what> from <min> to <max>` for anything else
 */
export function envInteger(vars: EnvironmentVariables, name: string, bounds: IntegerBounds, fallback: number): number;
export function envInteger(vars: EnvironmentVariables, name: string, bounds: IntegerBounds): number | undefined;
export function envInteger(
  vars: EnvironmentVariables,
  name: string,
  { min, max, what = 'a whole number' }: IntegerBounds,
  fallback?: number,
): number | undefined {
  const raw = optionalEnv(vars, name);
  if (raw === undefined) return fallback;
  const value = /^-?\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be ${what} from ${min} to ${max}`);
  }
  return value;
}

/** An issuer URL as the functions use it: trailing slashes removed (docs/contract.md, Issuer and paths). */
function issuerOf(value: string): string {
  return value.replace(/\/+$/, '');
}

/** `IDP_ISSUER` for answers made before (or without) the configuration: never throws, may be empty. */
export function readIssuer(vars: EnvironmentVariables): string {
  return issuerOf(vars['IDP_ISSUER'] ?? '');
}

/** `IDP_ISSUER`, required: tokens with an empty `iss` are never issued. */
export function requireIssuer(vars: EnvironmentVariables): string {
  return issuerOf(env(vars, 'IDP_ISSUER'));
}

/** `IDP_SIGNING_ALG`: `RS256` (default) or `ES256` (docs/contract.md, Access tokens). */
export function readSigningAlg(vars: EnvironmentVariables): SigningAlgorithm {
  return parseSigningAlg(optionalEnv(vars, 'IDP_SIGNING_ALG') ?? 'RS256', 'IDP_SIGNING_ALG');
}

/** A signing algorithm's name (`RS256` | `ES256`), as `IDP_SIGNING_ALG` and `IDP_PUBLISHED_KEY_ALGS` give it. */
export function parseSigningAlg(alg: string, variable: string): SigningAlgorithm {
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`unsupported ${variable} ${alg}`);
  return alg;
}

/** How tokens are signed: `kms` (a `kms:Sign` per token) or `envelope` (in memory; README, "Signing modes"). */
export type SigningMode = 'kms' | 'envelope';

/** `IDP_SIGNING_MODE`: `kms` (default) or `envelope`. */
export function readSigningMode(vars: EnvironmentVariables): SigningMode {
  const mode = optionalEnv(vars, 'IDP_SIGNING_MODE') ?? 'kms';
  if (mode !== 'kms' && mode !== 'envelope') throw new Error(`unsupported IDP_SIGNING_MODE ${mode}`);
  return mode;
}

/** Default access-token lifetime, seconds (docs/contract.md, Access tokens). */
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;

/** `IDP_DEFAULT_ACCESS_TOKEN_TTL`: the stage's default access-token lifetime, 1 s to 30 days. */
export function readDefaultAccessTokenTtl(vars: EnvironmentVariables): number {
  return envInteger(
    vars,
    'IDP_DEFAULT_ACCESS_TOKEN_TTL',
    { min: 1, max: MAX_ACCESS_TOKEN_TTL },
    DEFAULT_ACCESS_TOKEN_TTL,
  );
}
