/**
 * The local data folder is private to the user running the IdP: it holds the embedded DynamoDB's
 * files (client records, peppered secret hashes), the signing key, the pepper and the bootstrap
 * credentials. {@link preparePrivateDataDir} runs before anything in it is opened:
 *
 * - it sets the process umask to 0o077, so every file created from then on (LevelDB writes new
 *   `.log`, `.ldb` and `MANIFEST` files for as long as it runs, and the secret files are written
 *   once) has no group or other bits, whatever mode its creator asks for;
 * - it creates the folder 0700, or, when it exists, sets it and every folder under it to 0700 and
 *   every file to 0600, whatever they were, and warns once if any of them was group/other-accessible.
 *
 * The umask is process-wide and stays set: the local runtime's process is the IdP's own. (Node's
 * `process.umask(mask)` is not available in worker threads; the local runtime runs in the main one.)
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../domain/ports';

/** The umask of a process that keeps its files to itself. */
export const PRIVATE_UMASK = 0o077;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `dataDir` private (see the module comment). Symbolic links inside it are left alone (not
 * followed). Fails when a mode cannot be set (an entry owned by another user, say).
 */
export async function preparePrivateDataDir(dataDir: string, logger: Logger): Promise<void> {
  const previous = process.umask(PRIVATE_UMASK);
  // Keep any stricter bits the user already had.
  if ((previous | PRIVATE_UMASK) !== PRIVATE_UMASK) process.umask(previous | PRIVATE_UMASK);
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const exposed = await tighten(dataDir);
  if (exposed > 0) {
    logger.warn('the data folder was accessible to other users: set to 0700 (folders) and 0600 (files)', {
      dataDir,
      exposedEntries: exposed,
    });
  }
}

/** Sets the modes under `entry`; returns how many entries had group or other bits before. */
async function tighten(entry: string): Promise<number> {
  const stats = await lstat(entry);
  if (stats.isSymbolicLink()) return 0;
  const directory = stats.isDirectory();
  const wanted = directory ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
  const mode = stats.mode & 0o777;
  if (mode !== wanted) await chmod(entry, wanted);
  let exposed = (mode & 0o077) === 0 ? 0 : 1;
  if (directory) {
    for (const name of await readdir(entry)) exposed += await tighten(path.join(entry, name));
  }
  return exposed;
}
