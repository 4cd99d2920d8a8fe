/**
 * Opens a URL in the system browser, as RFC 8252 §8.12 asks of native apps (never an embedded
 * user-agent): `open` on macOS, `xdg-open` elsewhere on Unix, and on Windows `rundll32
 * url.dll,FileProtocolHandler` — what `start` does, without `cmd.exe`, whose parsing of `&` in a query
 * would cut the URL (and could run what follows). The URL is one argument of `spawn`, never part of a
 * shell string; only http(s) URLs are opened.
 */
import { spawn } from 'node:child_process';

/** The program and arguments that open `url` on `platform`. */
export function browserCommand(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}

/**
 * Starts the browser on `url`; resolves false when no opener could be started (none installed, a
 * headless machine), so the caller prints the URL instead. The opener is not waited for.
 */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const protocol = new URL(url).protocol;
  if (protocol !== 'https:' && protocol !== 'http:') return Promise.resolve(false);
  const { command, args } = browserCommand(platform, url);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false, windowsHide: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
