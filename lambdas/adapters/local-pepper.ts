/**
 * The local pepper (docs/data-model.md, Secrets at rest): 32 random bytes in `<dataDir>/pepper` (base64url, mode 0600),
 * created on first start; in memory when there is no data folder. On AWS the pepper comes from
 * Secrets Manager (secrets-manager-pepper.ts).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateSecretFile } from './local-files';

export const PEPPER_FILE = 'pepper';
const PEPPER_BYTES = 32;

export async function loadOrCreateLocalPepper(dataDir?: string): Promise<Uint8Array> {
  if (dataDir === undefined) return randomBytes(PEPPER_BYTES);
  const file = path.join(dataDir, PEPPER_FILE);
  const text = await readOrCreateSecretFile(file, () => `${randomBytes(PEPPER_BYTES).toString('base64url')}\n`);
  const pepper = Buffer.from(text.trim(), 'base64url');
  if (pepper.length < PEPPER_BYTES) throw new Error(`${file} holds ${pepper.length} bytes, expected ${PEPPER_BYTES}`);
  return pepper;
}
