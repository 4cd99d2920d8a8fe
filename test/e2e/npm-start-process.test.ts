/**
 * `npm start` as a newcomer uses it, through npm itself: SIGTERM or SIGINT to the process the user
 * started stops the server (the port closes, the process exits 0, no node process is left behind);
 * a second start on a busy port prints one line saying so and how to pick another, and exits
 * non-zero; no AWS SDK Node-version warning is printed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  port: number;
}

function npmStart(dataDir: string, port: number | 0): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), IDP_DATA_DIR: dataDir };
  // What a user's shell has: none of the test setup's switches.
  delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 40_000;
    const poll = setInterval(() => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (match && out.includes('Get an admin token')) {
        clearInterval(poll);
        resolve({ child, output: () => out, port: Number(match[1]) });
      } else if (child.exitCode !== null || Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error(`npm start did not come up (exit ${child.exitCode}):\n${out}`));
      }
    }, 100);
  });
}

function exited(child: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function closesWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await accepts(port))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

let dataDir: string;
const started: ChildProcess[] = [];
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'idp-npm-start-'));
});
afterEach(async () => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

it.each(['SIGTERM', 'SIGINT'] as const)(
  '%s to the npm start process stops the server',
  async (signal) => {
    const idp = await npmStart(dataDir, 0);
    started.push(idp.child);
    expect(idp.output()).not.toContain('NodeVersionSupportWarning');
    expect(await accepts(idp.port)).toBe(true);
    idp.child.kill(signal);
    expect(await exited(idp.child, 10_000)).toBe(0);
    expect(await closesWithin(idp.port, 5_000)).toBe(true);
  },
  60_000,
);

it('npm start serves the admin console at /console/ (built at start, no build step): index.html and its assets', async () => {
  const idp = await npmStart(dataDir, 0);
  started.push(idp.child);
  const base = `http://localhost:${idp.port}`;
  const index = await fetch(`${base}/console/`);
  expect(index.status).toBe(200);
  expect(index.headers.get('cache-control')).toBe('no-cache');
  expect(index.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/);
  const html = await index.text();
  expect(html).toContain(`&quot;issuer&quot;:&quot;${base}&quot;`);
  const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(assets.map((a) => a.replace(/-[A-Z0-9]{8}\./, '-HASH.'))).toEqual([
    '/console/assets/main-HASH.css',
    '/console/assets/main-HASH.js',
  ]);
  for (const asset of assets) {
    const res = await fetch(`${base}${asset}`);
    expect([asset, res.status, res.headers.get('cache-control')]).toEqual([
      asset,
      200,
      'public, max-age=31536000, immutable',
    ]);
    expect((await res.text()).length).toBeGreaterThan(1000);
  }
  idp.child.kill('SIGTERM');
  expect(await exited(idp.child, 10_000)).toBe(0);
}, 60_000);

it('a second start on a busy port prints one line and exits non-zero', async () => {
  const first = await npmStart(dataDir, 0);
  started.push(first.child);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(first.port), IDP_IN_MEMORY: 'true' };
  delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  const second = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(second);
  let out = '';
  second.stdout.on('data', (d: Buffer) => (out += d.toString()));
  second.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await exited(second, 30_000);
  expect(code).not.toBe(0);
  expect(code).not.toBe('timeout');
  expect(out.trim()).toBe(
    `serverless-idp: port ${first.port} is in use (another npm start?); stop that server or choose another port, e.g. PORT=${first.port + 1} npm start`,
  );
  first.child.kill('SIGTERM');
  expect(await exited(first.child, 10_000)).toBe(0);
}, 90_000);
