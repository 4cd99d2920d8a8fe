/**
 * `npm start` as a newcomer runs it: a child process on a fresh data folder prints the bootstrap
 * credentials and the first admin person's password (with the console URL) once, serves tokens with them, stops cleanly on SIGTERM, and after a restart the same
 * credentials and signing key still work (nothing lost).
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** The issuer both starts share (the admin audience is derived from it). */
const ISSUER = 'http://localhost:3000';

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  url: string;
}

async function start(dataDir: string): Promise<Started> {
  const child = spawn(TSX, ['lambdas/local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      IDP_DATA_DIR: dataDir,
      // A fixed issuer: the two starts listen on different ephemeral ports but are one IdP.
      IDP_ISSUER: ISSUER,
      // Empty means unset: the credentials are generated and kept in the data folder.
      IDP_BOOTSTRAP_CLIENT_ID: '',
      IDP_BOOTSTRAP_CLIENT_SECRET: '',
      // Unset: the first admin person's password is generated, printed once and kept in the data folder.
      IDP_BOOTSTRAP_ADMIN_PASSWORD: '',
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /listening on (http:\/\/localhost:\d+)/.exec(out);
    if (match && out.includes('Get an admin token')) return { child, output: () => out, url: match[1]! };
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`did not start in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

async function token(url: string, clientId: string, clientSecret: string) {
  const res = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', audience: `${ISSUER}/admin` }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('npm start', () => {
  let dataDir: string;
  let running: ChildProcessWithoutNullStreams | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idp-start-'));
  });
  afterAll(async () => {
    if (running && running.exitCode === null) await stop(running);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints credentials once, serves tokens, stops on SIGTERM and keeps everything across a restart', async () => {
    const first = await start(dataDir);
    running = first.child;
    const id = /client_id\s+(\S+)/.exec(first.output())?.[1];
    const secret = /client_secret\s+(\S+)/.exec(first.output())?.[1];
    expect(id).toBeDefined();
    expect(secret).toMatch(/^sidp_[A-Za-z0-9_-]{43}$/);
    expect(first.output()).toContain(`curl -s -u ${id}:${secret}`);

    const issued = await token(first.url, id!, secret!);
    expect(issued.status).toBe(200);
    expect(issued.body['scope']).toBe('admin:read admin:write');
    const kid = JSON.parse(Buffer.from(issued.body['access_token']!.split('.')[0]!, 'base64url').toString()).kid;

    // The first admin person and the console URL, the password shown once and kept (0600).
    const passwordFile = path.join(dataDir, 'admin-password');
    expect(first.output()).toContain(
      `\nAdmin console: ${ISSUER}/console/\n` +
        `First admin person (the password is shown once; it is kept in ${passwordFile}):\n` +
        '  username  admin\n',
    );
    const adminPassword = /^ {2}password {2}(\S+)$/m.exec(first.output())?.[1];
    expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await readFile(passwordFile, 'utf8')).toBe(`${adminPassword}\n`);

    for (const file of ['bootstrap.json', 'pepper', 'signing-keys-RS256.json', 'admin-password']) {
      expect((await stat(path.join(dataDir, file))).mode & 0o777).toBe(0o600);
    }
    expect(await stop(first.child)).toBe(0);

    const second = await start(dataDir);
    running = second.child;
    expect(second.output()).not.toContain(secret!);
    // Not created again, not printed again: where the password is.
    expect(second.output()).not.toContain(adminPassword!);
    expect(second.output()).toContain(
      `\nAdmin console: ${ISSUER}/console/\n  sign in as admin: the password it was created with is in ${passwordFile}\n`,
    );
    expect(second.output()).toContain(
      `Bootstrap admin client: ${id} (credentials in ${path.join(dataDir, 'bootstrap.json')})`,
    );
    // The restart banner names the secret as the README does.
    expect(second.output()).toContain(`ADMIN_SECRET=$(jq -r .clientSecret ${path.join(dataDir, 'bootstrap.json')})`);
    expect(second.output()).toContain(`curl -s -u ${id}:"$ADMIN_SECRET"`);
    const again = await token(second.url, id!, secret!);
    expect(again.status).toBe(200);
    const kidAgain = JSON.parse(Buffer.from(again.body['access_token']!.split('.')[0]!, 'base64url').toString()).kid;
    expect(kidAgain).toBe(kid);
    expect(await stop(second.child)).toBe(0);
  }, 90_000);
});
