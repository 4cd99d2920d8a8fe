/**
 * The `idp` command (package.json `bin`, through the `bin/idp.js` shim that registers tsx): runs
 * {@link runCli} with this process's arguments, environment and streams, and exits with its code.
 */
import { runCli } from '../lambdas/client/cli/main';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(stream: NodeJS.WriteStream): (text: string) => void {
  return (text) => void stream.write(text);
}

runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  readStdin,
}).then(
  (code) => {
    // Exit once the output is written, without waiting for idle keep-alive sockets.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  },
  (err: unknown) => {
    process.stderr.write(`error: ${String(err)}\n`, () => process.exit(1));
  },
);
