/**
 * The local data folder holds the embedded DynamoDB (client records, peppered secret hashes), the
 * signing key, the pepper and the bootstrap credentials: it is kept 0700 and every file in it 0600,
 * whatever modes a pre-created folder had, including the files LevelDB writes later, and a folder
 * that other users could read is reported once.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../lambdas/domain/ports';
import { registerClient, startTestIdp } from '../support/local-idp';

/** Every entry under `dir` (itself included) with its permission bits, as `relative path → mode`. */
async function modes(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (current: string) => {
    const stats = await lstat(current);
    found[path.relative(dir, current) || '.'] =
      `${stats.isDirectory() ? 'dir' : 'file'} ${(stats.mode & 0o777).toString(8)}`;
    if (stats.isDirectory()) for (const name of await readdir(current)) await walk(path.join(current, name));
  };
  await walk(dir);
  return found;
}

function expectPrivate(found: Record<string, string>): void {
  for (const [entry, mode] of Object.entries(found)) {
    expect({ entry, mode }).toEqual({ entry, mode: mode.startsWith('dir') ? 'dir 700' : 'file 600' });
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => {}, error: () => {}, warn: (message) => warnings.push(message), warnings };
}

describe('the local data folder', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'idp-perms-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('tightens a pre-created 0755 folder to 0700/0600, keeps new database files 0600, and warns once', async () => {
    const dataDir = path.join(root, 'data');
    await mkdir(path.join(dataDir, 'dynamodb'), { recursive: true });
    await writeFile(path.join(dataDir, 'notes.txt'), 'left here before\n');
    await writeFile(path.join(dataDir, 'dynamodb', 'stale.txt'), 'from an older start\n');
    for (const dir of [dataDir, path.join(dataDir, 'dynamodb')]) await chmod(dir, 0o755);
    for (const file of ['notes.txt', 'dynamodb/stale.txt']) await chmod(path.join(dataDir, file), 0o644);

    const logger = recordingLogger();
    const first = await startTestIdp({ dataDir }, { logger });
    try {
      for (let i = 0; i < 20; i += 1) await registerClient(first, { clientId: `perm-${i}`, rules: [] });
      const found = await modes(dataDir);
      // The database, the secrets and the pre-existing files are all there, all private.
      expect(Object.keys(found)).toEqual(
        expect.arrayContaining(['.', 'notes.txt', 'pepper', 'signing-keys-RS256.json', 'bootstrap.json', 'dynamodb']),
      );
      expect(Object.keys(found).filter((entry) => entry.startsWith('dynamodb/')).length).toBeGreaterThan(2);
      expectPrivate(found);
    } finally {
      await first.stop();
    }
    expect(logger.warnings).toHaveLength(1);

    // A restart replays LevelDB's log into new table files and starts a new log and manifest.
    const quiet = recordingLogger();
    const second = await startTestIdp({ dataDir }, { logger: quiet });
    try {
      for (let i = 0; i < 5; i += 1) await registerClient(second, { clientId: `again-${i}`, rules: [] });
    } finally {
      await second.stop();
    }
    expectPrivate(await modes(dataDir));
    expect(Object.keys(await modes(dataDir)).some((entry) => entry.endsWith('.ldb'))).toBe(true);
    // Already private: nothing to report.
    expect(quiet.warnings).toEqual([]);
  });

  it('creates a missing folder 0700 without a warning', async () => {
    const dataDir = path.join(root, 'fresh', 'nested');
    const logger = recordingLogger();
    const idp = await startTestIdp({ dataDir }, { logger });
    await idp.stop();
    expectPrivate(await modes(dataDir));
    expect(logger.warnings).toEqual([]);
  });
});
