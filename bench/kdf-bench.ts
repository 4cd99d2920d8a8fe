/**
 * The one deliberately slow step (docs/contract.md, Budgets): the password KDF, reported on its own
 * and never mixed into the token-endpoint rows.
 *
 * 1. `ScryptPasswordKdf.hash` and `verify` at the production parameters (OWASP: N=2^17, r=8, p=1,
 *    128 MiB per call), sequentially in this process, a fresh 32-byte pepper per run: median and p90.
 * 2. The sign-in POST end to end on our local server (a code-exchange child, so the user's password
 *    was hashed by the server's own KDF): `GET /oauth2/authorize` (the sign-in page, its hidden
 *    fields and browser cookie), then `POST /oauth2/sign-in` with the right password → 303 to the
 *    redirect URI with a code; sequential, the POST timed alone. The last code is exchanged at the
 *    token endpoint (200), so the pages' codes are checked to be valid too.
 */
import { randomBytes } from 'node:crypto';
import { OWASP_SCRYPT_PARAMS, ScryptPasswordKdf } from '../lambdas/adapters/scrypt-password-kdf';
import type { ReadyMessage } from './child-protocol';
import { CODE_CHALLENGE, CODE_NONCE, CODE_SCOPE, RESOURCE, codeRequestBody, codeRequestHeaders } from './fixtures';

/** Milliseconds of a series of sequential calls. */
export interface Timing {
  rounds: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export interface KdfBenchResult {
  params: { N: number; r: number; p: number; keyLength: number; memoryMiB: number };
  hash: Timing;
  verify: Timing;
}

export interface SignInBenchResult {
  /** The POST alone (KDF verify + the user, lockout, session, request and code items). */
  post: Timing;
  /** GET authorize (the page) + POST, per sign-in. */
  endToEnd: Timing;
  /** The last sign-in's code exchanged at the token endpoint. */
  codeExchanged: boolean;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export function timing(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    rounds: sorted.length,
    median,
    p90: percentile(sorted, 90),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

/** `rounds` sequential hashes, then `rounds` sequential verifies of one of them (right password). */
export async function benchKdf(rounds: number): Promise<KdfBenchResult> {
  const kdf = new ScryptPasswordKdf(randomBytes(32));
  const password = randomBytes(18).toString('base64url');
  const hashes: number[] = [];
  const verifies: number[] = [];
  const stored = await kdf.hash(password); // not timed: the first call pays the allocation warm-up
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    await kdf.hash(password);
    hashes.push(ms(t));
  }
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    const ok = await kdf.verify(password, stored);
    verifies.push(ms(t));
    if (!ok) throw new Error('the KDF did not verify its own hash');
  }
  const { N, r, p, keyLength } = OWASP_SCRYPT_PARAMS;
  return {
    params: { N, r, p, keyLength, memoryMiB: (128 * r * N) / 2 ** 20 },
    hash: timing(hashes),
    verify: timing(verifies),
  };
}

/** The `name="…" value="…"` pairs of a page's hidden inputs (the pages emit them in this form). */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)) {
    fields[match[1]!] = match[2]!;
  }
  return fields;
}

/** `name=value` of each Set-Cookie, as a Cookie header. */
function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .filter((pair) => pair !== '')
    .join('; ');
}

/** `rounds` sequential sign-ins on our code-exchange child; see the module comment. */
export async function benchSignIn(ready: ReadyMessage, rounds: number): Promise<SignInBenchResult> {
  const flow = ready.codeFlow;
  if (flow?.username === undefined || flow.password === undefined) throw new Error('no user to sign in');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: flow.clientId,
    redirect_uri: flow.redirectUri,
    scope: CODE_SCOPE,
    resource: RESOURCE,
    state: 'bench',
    nonce: CODE_NONCE,
    code_challenge: CODE_CHALLENGE,
    code_challenge_method: 'S256',
  }).toString();
  const posts: number[] = [];
  const whole: number[] = [];
  let code: string | undefined;
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    const page = await fetch(`${ready.url}/oauth2/authorize?${query}`, { redirect: 'manual' });
    const html = await page.text();
    if (page.status !== 200) throw new Error(`authorize answered ${page.status}`);
    const body = new URLSearchParams({ ...hiddenFields(html), username: flow.username, password: flow.password });
    const t1 = process.hrtime.bigint();
    const res = await fetch(`${ready.url}/oauth2/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(page) },
      body: body.toString(),
    });
    await res.arrayBuffer();
    posts.push(ms(t1));
    whole.push(ms(t0));
    const location = res.headers.get('location');
    if (res.status !== 303 || location === null) throw new Error(`sign-in answered ${res.status}, not 303`);
    code = new URL(location).searchParams.get('code') ?? undefined;
    if (code === undefined) throw new Error(`sign-in redirected without a code: ${location}`);
  }
  let codeExchanged = false;
  if (code !== undefined) {
    const res = await fetch(`${ready.url}/oauth2/token`, {
      method: 'POST',
      headers: codeRequestHeaders(),
      body: codeRequestBody(flow.clientId, code),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`the sign-in's code did not exchange: HTTP ${res.status}`);
    codeExchanged = true;
  }
  return { post: timing(posts), endToEnd: timing(whole), codeExchanged };
}
