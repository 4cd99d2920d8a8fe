/**
 * The TCP ports this process listens on, read from Linux's /proc: the sockets among the process's
 * open descriptors that /proc/net/tcp and tcp6 list in state LISTEN. Used to check that a component
 * opens no listener beyond the ones it announces.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** Whether {@link listeningPorts} can answer on this platform. */
export const canListListeningPorts = process.platform === 'linux';

export async function listeningPorts(): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(link);
    if (match) inodes.add(match[1]!);
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const columns = line.trim().split(/\s+/);
      const [local, state, inode] = [columns[1], columns[3], columns[9]];
      if (state === '0A' && inode !== undefined && inodes.has(inode) && local !== undefined) {
        ports.add(Number.parseInt(local.split(':')[1] ?? '', 16));
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}
