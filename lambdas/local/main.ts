/**
 * `npm start`: runs the IdP locally. Prints the endpoints, the bootstrap admin credentials the first
 * time (they are kept in the data folder), a ready `curl` for a token, and where the README walks a
 * newcomer from here to signing a person in from a browser (README, "Quick start › Sign in from a
 * browser"). Stops cleanly on SIGINT/SIGTERM.
 */
import { adminAudience } from '../domain/bootstrap';
import { AUTHORIZE_PATH, OAUTH_METADATA_PATH, TOKEN_PATH } from '../domain/endpoints/paths';
import type { Logger } from '../domain/ports';
import { ConfigError, readLocalConfig } from './local-config';
import { startLocalIdp } from './local-idp';

const logger: Logger = {
  info: (message, fields) => console.error(JSON.stringify({ level: 'INFO', message, ...fields })),
  warn: (message, fields) => console.error(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

async function main(): Promise<void> {
  const config = readLocalConfig(process.env, process.argv.slice(2), process.cwd());
  const idp = await startLocalIdp(config, { logger });
  const { bootstrap, issuer } = idp;
  const lines = [
    `serverless-idp listening on ${idp.url}`,
    `  issuer      ${issuer}`,
    `  discovery   ${issuer}${OAUTH_METADATA_PATH}`,
    `  authorize   ${issuer}${AUTHORIZE_PATH}`,
    `  token       ${issuer}${TOKEN_PATH}`,
    `  data        ${config.dataDir ?? '(in memory: nothing is kept)'}`,
    `  signing     ${config.alg}`,
    '',
  ];
  if (bootstrap.created) {
    lines.push(
      'Bootstrap admin client (the secret is shown once' +
        (bootstrap.file ? `; it is kept in ${bootstrap.file}` : '') +
        '):',
      `  client_id      ${bootstrap.clientId}`,
      `  client_secret  ${bootstrap.clientSecret}`,
    );
  } else {
    lines.push(`Bootstrap admin client: ${bootstrap.clientId} (credentials in ${bootstrap.file ?? 'the environment'})`);
  }
  const secretRef = bootstrap.created ? shellQuote(bootstrap.clientSecret) : '"$CLIENT_SECRET"';
  lines.push(
    '',
    'Get an admin token:',
    `  curl -s -u ${shellQuote(bootstrap.clientId)}:${secretRef} \\`,
    `    -d grant_type=client_credentials -d audience=${shellQuote(adminAudience(issuer))} \\`,
    `    ${issuer}${TOKEN_PATH}`,
    '',
    'Sign a person in from a browser: README.md, "Quick start › Sign in from a browser"',
    '(a user, a code-flow client, the authorization URL, the code exchange; five steps).',
    '',
  );
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    idp.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('stop failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_\-.:/@%+=]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `serverless-idp: ${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(err instanceof ConfigError ? 2 : 1);
});
