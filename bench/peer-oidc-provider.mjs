/**
 * Child process: the peer, panva/node-oidc-provider 9 (ESM only, hence this plain .mjs file), set up
 * for the same job as our token endpoint and nothing else:
 * - `features.clientCredentials` on (RFC 6749 §4.4), `features.devInteractions` off;
 * - `features.resourceIndicators` (RFC 8707) whose `getResourceServerInfo` describes the bench API:
 *   its scopes, `audience`, `accessTokenFormat: 'jwt'` and `jwt.sign.alg` = BENCH_ALG, so access
 *   tokens are RFC 9068 JWTs (`typ: at+jwt`) signed like ours;
 * - `jwks` with one private key of that algorithm, generated per run;
 * - one client: `client_secret_basic`, `grant_types: ['client_credentials']`, no response types or
 *   redirect URIs.
 * Its default in-memory adapter stays: JWT access tokens are not stored, and static clients are read
 * from memory, so the peer does no I/O per request (ours does one DynamoDB Query on dynalite).
 *
 * Production-like: `NODE_ENV=production`; the provider's quick-start notices (in-memory adapter,
 * Node.js version) are dropped, everything else reaches stderr. Talks to bench/run.ts over IPC like
 * bench/local-server.ts (bench/child-protocol.ts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';

const alg = process.env.BENCH_ALG;
const resource = process.env.BENCH_RESOURCE;
const scope = process.env.BENCH_SCOPE;
const ttl = Number(process.env.BENCH_TOKEN_TTL);

// The provider's start-up notices are for development setups; a production deployment silences them.
for (const level of ['info', 'warn']) {
  const original = console[level].bind(console);
  console[level] = (first, ...rest) => {
    if (typeof first === 'string' && first.startsWith('oidc-provider ')) return;
    original(first, ...rest);
  };
}

function send(message) {
  if (process.send) process.send(message);
}

async function main() {
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`BENCH_ALG must be RS256 or ES256, got ${alg}`);
  if (!resource || !scope || !(ttl > 0))
    throw new Error('BENCH_RESOURCE, BENCH_SCOPE and BENCH_TOKEN_TTL are required');
  const { default: Provider, errors } = await import('oidc-provider');

  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: randomBytes(8).toString('hex') };

  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `peer-${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(32).toString('base64url');

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope,
        id_token_signed_response_alg: alg,
      },
    ],
    clientDefaults: { id_token_signed_response_alg: alg },
    // The client's `scope` allow-list may only name scopes the provider knows.
    scopes: ['openid', 'offline_access', ...scope.split(' ')],
    jwks: { keys: [jwk] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== resource) throw new errors.InvalidTarget();
          return { scope, audience: resource, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
        },
      },
    },
  });
  provider.on('server_error', (_ctx, err) => console.error(JSON.stringify({ level: 'ERROR', message: String(err) })));
  server.on('request', provider.callback());

  const stop = () => server.close(() => process.exit(0));
  let cpu = process.cpuUsage();
  process.on('message', (message) => {
    if (message.type === 'reset') cpu = process.cpuUsage();
    if (message.type === 'reset' || message.type === 'stats') {
      const used = process.cpuUsage(cpu);
      send({ type: 'stats', cpuUs: used.user + used.system, signCalls: 0, issued: 0, reused: 0, denied: 0 });
    } else if (message.type === 'stop') {
      server.closeAllConnections();
      stop();
    }
  });
  process.on('disconnect', stop);

  send({ type: 'ready', url: issuer, issuer, jwksUri: `${issuer}/jwks`, clientId, clientSecret });
}

main().catch((err) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  console.error(err);
  process.exit(1);
});
