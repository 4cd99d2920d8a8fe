/**
 * Secret files of the local data folder (pepper, signing key, bootstrap credentials): created once
 * with mode 0600 and never overwritten, so two processes starting together agree on one value.
 */
import { readFile, writeFile } from 'node:fs/promises';

/**
 * The file's content, creating it with `create()` (mode 0600, exclusive) when it does not exist.
 * When another process creates it first, its content wins.
 */
export async function readOrCreateSecretFile(file: string, create: () => string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const content = create();
  try {
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
    return content;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(file, 'utf8');
    throw err;
  }
}
