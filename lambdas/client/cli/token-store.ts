/**
 * Where `idp login` keeps a person's tokens for later `idp` commands: `tokens.json` in the CLI's
 * config folder — `$IDP_CONFIG_DIR`, else `$XDG_CONFIG_HOME/serverless-idp`, else
 * `~/.config/serverless-idp` (`%APPDATA%\serverless-idp` on Windows without `HOME`) — keyed by issuer.
 * The folder is made 0700 and the file 0600 (written to a temporary file of mode 0600, then renamed
 * over it, so a reader never sees half a file); a file that others may read is refused, like ssh
 * refuses a private key with loose modes. Nothing else is written there.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliIo } from './command';
import { CliFailure } from './command';

/** The file's name in the config folder. */
export const TOKENS_FILE = 'tokens.json';

/** One person's sign-in at one issuer, as `idp login` stored it. */
export interface StoredLogin {
  /** The client the tokens were issued to (`idp-cli`). */
  clientId: string;
  accessToken: string;
  /** The refresh token, when the client was issued one (revoked by `idp logout`). */
  refreshToken?: string;
  /** `Bearer`. */
  tokenType: string;
  /** Granted scopes, space-delimited (RFC 6749 §5.1). */
  scope: string;
  /** The API the access token is for (`audience` of the request); absent for OIDC scopes only. */
  audience?: string;
  /** When the access token expires, ISO 8601. */
  expiresAt: string;
  /** The ID token as received (already validated). */
  idToken?: string;
  /** The person: `sub`, and `preferred_username` / `name` from the validated ID token. */
  subject: string;
  username?: string;
  name?: string;
  /** The issuer's userinfo endpoint (OIDC Core §5.3), for `idp whoami`. */
  userinfoEndpoint?: string;
  /** When the sign-in completed, ISO 8601. */
  signedInAt: string;
}

interface TokensFile {
  issuers: Record<string, StoredLogin>;
}

/**
 * The CLI's config folder from the environment, or undefined when none can be named (no
 * `IDP_CONFIG_DIR`, `XDG_CONFIG_HOME`, `HOME` or `APPDATA`). A relative value is taken from `cwd`.
 */
export function configDir(io: Pick<CliIo, 'env' | 'cwd'>): string | undefined {
  const nonEmpty = (name: string) => {
    const value = io.env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const explicit = nonEmpty('IDP_CONFIG_DIR');
  if (explicit !== undefined) return path.resolve(io.cwd, explicit);
  const xdg = nonEmpty('XDG_CONFIG_HOME');
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, 'serverless-idp');
  const home = nonEmpty('HOME');
  if (home !== undefined) return path.join(home, '.config', 'serverless-idp');
  const appData = nonEmpty('APPDATA');
  return appData === undefined ? undefined : path.join(appData, 'serverless-idp');
}

/** The stored sign-ins, one per issuer. */
export class TokenStore {
  readonly dir: string;
  readonly file: string;

  constructor(dir: string) {
    this.dir = dir;
    this.file = path.join(dir, TOKENS_FILE);
  }

  /** The store of the invocation's config folder. */
  static of(io: Pick<CliIo, 'env' | 'cwd'>): TokenStore {
    const dir = configDir(io);
    if (dir === undefined) {
      throw new CliFailure('no folder to keep the sign-in in: set IDP_CONFIG_DIR (or HOME or XDG_CONFIG_HOME)');
    }
    return new TokenStore(dir);
  }

  /** The sign-in for `issuer`, or undefined. */
  async load(issuer: string): Promise<StoredLogin | undefined> {
    return (await this.read()).issuers[issuer];
  }

  /** Stores (replaces) the sign-in for `issuer`. */
  async save(issuer: string, login: StoredLogin): Promise<void> {
    const current = await this.read();
    await this.write({ issuers: { ...current.issuers, [issuer]: login } });
  }

  /** Forgets the sign-in for `issuer`; whether there was one. The file goes when it holds none. */
  async remove(issuer: string): Promise<boolean> {
    const current = await this.read();
    if (current.issuers[issuer] === undefined) return false;
    const issuers = { ...current.issuers };
    delete issuers[issuer];
    if (Object.keys(issuers).length === 0) await unlink(this.file);
    else await this.write({ issuers });
    return true;
  }

  private async read(): Promise<TokensFile> {
    let text: string;
    try {
      const info = await stat(this.file);
      // Like ssh with a private key: a token file others may read is not used (modes mean little on Windows).
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
        const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
        throw new CliFailure(`${this.file} may be read by others (mode ${mode}): chmod 600 it, or run idp logout`);
      }
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { issuers: {} };
      if (err instanceof CliFailure) throw err;
      throw new CliFailure(`cannot read ${this.file}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<TokensFile>;
      if (typeof parsed.issuers !== 'object' || parsed.issuers === null) throw new Error('no issuers');
      return { issuers: parsed.issuers };
    } catch {
      throw new CliFailure(`${this.file} is not a tokens file of idp login: delete it and run idp login`);
    }
  }

  private async write(content: TokensFile): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(tmp, 0o600);
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new CliFailure(`cannot write ${this.file}: ${(err as Error).message}`);
    }
  }
}
