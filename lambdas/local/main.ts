/**
 * `npm start`: runs the IdP locally. Prints the endpoints, the bootstrap admin credentials and the
 * first admin person's password the first time (both are kept in the data folder), the console URL,
 * a ready `curl` for a token, and where the README walks a
 * newcomer from here to signing a person in from a browser (README, "Quick start › Sign in from a
 * browser"). Stops cleanly on SIGINT/SIGTERM (`npm start` `exec`s node, so the signal to the process
 * the user started reaches this one). A busy port is one line saying so, exit 2 (like a bad setting).
 */
import { adminAudience } from '../domain/bootstrap';
import { AUTHORIZE_PATH, OAUTH_METADATA_PATH, TOKEN_PATH } from '../domain/endpoints/paths';
import type { Logger } from '../domain/ports';
import { ConfigError, readLocalConfig } from './local-config';
import { startLocalIdp } from './local-idp';
import type { LocalIdp } from './local-idp';

// The AWS SDK warns at every start that its releases after January 2027 need Node 22 (DESIGN: Node 20
// here, 22 on Lambda); `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED` is the SDK's own switch for
// that one warning (@aws-sdk/core). Set to anything else, the warning comes back.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const logger: Logger = {
  debug: (message, fields) => {
    if (/^debug$/i.test(process.env['POWERTOOLS_LOG_LEVEL'] ?? ''))
      console.error(JSON.stringify({ level: 'DEBUG', message, ...fields }));
  },
  info: (message, fields) => console.error(JSON.stringify({ level: 'INFO', message, ...fields })),
  warn: (message, fields) => console.error(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

async function main(): Promise<void> {
  const config = readLocalConfig(process.env, process.argv.slice(2), process.cwd());
  let idp: LocalIdp;
  try {
    idp = await startLocalIdp(config, { logger });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const next = config.port === 65535 ? 3001 : config.port + 1;
    throw new ConfigError(
      `port ${config.port} is in use (another npm start?); stop that server or choose another port, e.g. PORT=${next} npm start`,
    );
  }
  const { bootstrap, issuer, adminPerson } = idp;
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
  lines.push('', `Admin console: ${idp.consoleUrl}`);
  if (adminPerson.password !== undefined) {
    lines.push(
      'First admin person (the password is shown once' +
        (adminPerson.file ? `; it is kept in ${adminPerson.file}` : '') +
        '):',
      `  username  ${adminPerson.username}`,
      `  password  ${adminPerson.password}`,
    );
  } else if (adminPerson.created) {
    lines.push(`  sign in as ${adminPerson.username} with the password in IDP_BOOTSTRAP_ADMIN_PASSWORD`);
  } else if (adminPerson.file !== undefined) {
    lines.push(`  sign in as ${adminPerson.username}: the password it was created with is in ${adminPerson.file}`);
  } else {
    lines.push('  sign in as a user granted admin:read admin:write (idp users create --admin)');
  }
  // The same variable names as the README's walkthrough (ADMIN_SECRET, ISSUER).
  const secretRef = bootstrap.created ? shellQuote(bootstrap.clientSecret) : '"$ADMIN_SECRET"';
  lines.push('', 'Get an admin token:');
  if (!bootstrap.created) {
    lines.push(
      bootstrap.file === undefined
        ? '  ADMIN_SECRET="$IDP_BOOTSTRAP_CLIENT_SECRET"'
        : `  ADMIN_SECRET=$(jq -r .clientSecret ${shellQuote(bootstrap.file)})`,
    );
  }
  lines.push(
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
