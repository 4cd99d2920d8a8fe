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
 * With `BENCH_GRANT=authorization_code` (the code-exchange bench) the client is instead a public one
 * (`token_endpoint_auth_method: none`, `grant_types: ['authorization_code']`, one redirect URI), and
 * on `prepare` the child creates authorization codes the way the provider's own interaction flow
 * ends: a `Grant` (OIDC scope `openid`, the bench API's scopes on its resource) saved, then an
 * `AuthorizationCode` bound to it, the redirect URI, the S256 challenge BENCH_CODE_CHALLENGE, a nonce
 * and the resource, saved through the adapter. The adapter is the provider's own `MemoryAdapter`
 * class on a larger LRU (its default store holds 1,000 entries; a pool of codes needs ~3 entries per
 * code: the code, its grant and the grant's member index), counting its calls per model.
 * Assumption: the provider keeps `lib/adapters/memory_adapter.js` and `lib/helpers/lru.js` at these
 * paths (the package has no `exports` map; pinned at 9.13.3).
 *
 * With `BENCH_REFRESH=1` as well (the refresh bench) the client also has `refresh_token`, refresh tokens
 * rotate on every use (`rotateRefreshToken: true`), and `prepare` with `kind: 'refresh'` creates
 * refresh tokens the way a code exchange with `offline_access` does: a `Grant` (`openid
 * offline_access`, the API's scopes on its resource) saved, then a `RefreshToken` bound to it (`gty:
 * authorization_code`, the resource, the scope), saved through the adapter.
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
const codeMode = process.env.BENCH_GRANT === 'authorization_code';
const redirectUri = process.env.BENCH_REDIRECT_URI;
const codeChallenge = process.env.BENCH_CODE_CHALLENGE;
/** BENCH_REFRESH=1 (with BENCH_GRANT=authorization_code): the client also refreshes, with rotation. */
const refreshMode = codeMode && process.env.BENCH_REFRESH === '1';
/** The subject every prepared code is for (the peer's `findAccount` knows only this one). */
const ACCOUNT_ID = 'bench-user';
/** Codes created concurrently while preparing (the adapter is in memory: this bounds promise fan-out only). */
const PREPARE_CONCURRENCY = 64;
/** Upper bound of one `prepare` (the parent asks for far fewer). */
const MAX_PREPARE = 200_000;

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

/** The provider's own in-memory adapter on a store large enough for a pool of codes, counting calls. */
async function countingMemoryAdapter(counts) {
  const { default: MemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');
  const { default: LRU } = await import('oidc-provider/lib/helpers/lru.js');
  const store = new LRU({ maxSize: 1_000_000 });
  const count = (name) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  class CountingMemoryAdapter extends MemoryAdapter {
    constructor(model) {
      super(model, store);
    }
    find(id) {
      count(`${this.model}.find`);
      return super.find(id);
    }
    upsert(id, payload, expiresIn) {
      count(`${this.model}.upsert`);
      return super.upsert(id, payload, expiresIn);
    }
    consume(id) {
      count(`${this.model}.consume`);
      return super.consume(id);
    }
    destroy(id) {
      count(`${this.model}.destroy`);
      return super.destroy(id);
    }
    revokeByGrantId(grantId) {
      count(`${this.model}.revokeByGrantId`);
      return super.revokeByGrantId(grantId);
    }
  }
  return CountingMemoryAdapter;
}

async function main() {
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`BENCH_ALG must be RS256 or ES256, got ${alg}`);
  if (!resource || !scope || !(ttl > 0))
    throw new Error('BENCH_RESOURCE, BENCH_SCOPE and BENCH_TOKEN_TTL are required');
  if (codeMode && (!redirectUri || !codeChallenge))
    throw new Error('BENCH_REDIRECT_URI and BENCH_CODE_CHALLENGE are required with BENCH_GRANT=authorization_code');
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
  const clientSecret = codeMode ? '' : randomBytes(32).toString('base64url');
  const storeCalls = {};

  const client = codeMode
    ? {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        grant_types: refreshMode ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
        scope: refreshMode ? `openid offline_access ${scope}` : `openid ${scope}`,
        id_token_signed_response_alg: alg,
      }
    : {
        client_id: clientId,
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope,
        id_token_signed_response_alg: alg,
      };
  const provider = new Provider(issuer, {
    clients: [client],
    clientDefaults: { id_token_signed_response_alg: alg },
    // The client's `scope` allow-list may only name scopes the provider knows.
    scopes: ['openid', 'offline_access', ...scope.split(' ')],
    jwks: { keys: [jwk] },
    ...(codeMode
      ? {
          adapter: await countingMemoryAdapter(storeCalls),
          // The one account the prepared codes are for; `sub` only, as our ID tokens carry for `openid`.
          findAccount: (_ctx, sub) => (sub === ACCOUNT_ID ? { accountId: sub, claims: () => ({ sub }) } : undefined),
          ttl: { Grant: 3600, RefreshToken: 30 * 86_400 },
          ...(refreshMode ? { rotateRefreshToken: true } : {}),
        }
      : {}),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: !codeMode },
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

  /** One code as the provider's interaction flow would end: the grant saved, then the code bound to it. */
  const createCode = async (registered) => {
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId });
    grant.addOIDCScope('openid');
    grant.addResourceScope(resource, scope);
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: ACCOUNT_ID,
      client: registered,
      grantId,
      scope: `openid ${scope}`,
      resource,
      redirectUri,
      codeChallenge,
      codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000),
      nonce: 'n-bench',
    });
    return code.save();
  };
  /** One refresh token as a code exchange with offline_access leaves it: the grant saved, then the token. */
  const createRefreshToken = async (registered) => {
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(resource, scope);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId: ACCOUNT_ID,
      client: registered,
      grantId,
      gty: 'authorization_code',
      scope: `openid offline_access ${scope}`,
      resource,
      authTime: Math.floor(Date.now() / 1000),
      rotations: 0,
    });
    return token.save();
  };
  const prepare = async (count, kind) => {
    if (!codeMode) throw new Error('prepare needs BENCH_GRANT=authorization_code');
    if (kind === 'refresh' && !refreshMode) throw new Error('refresh tokens need BENCH_REFRESH=1');
    const make = kind === 'refresh' ? createRefreshToken : createCode;
    if (!(Number.isInteger(count) && count >= 0 && count <= MAX_PREPARE)) throw new Error(`bad count ${count}`);
    const started = Date.now();
    const registered = await provider.Client.find(clientId);
    const codes = new Array(count);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) codes[i] = await make(registered);
    };
    await Promise.all(Array.from({ length: Math.min(PREPARE_CONCURRENCY, count) }, worker));
    return { type: 'prepared', codes, ms: Date.now() - started };
  };

  const stop = () => server.close(() => process.exit(0));
  let cpu = process.cpuUsage();
  const resetCalls = () => {
    for (const name of Object.keys(storeCalls)) delete storeCalls[name];
  };
  process.on('message', (message) => {
    if (message.type === 'reset') {
      cpu = process.cpuUsage();
      resetCalls();
    }
    if (message.type === 'reset' || message.type === 'stats') {
      const used = process.cpuUsage(cpu);
      send({
        type: 'stats',
        cpuUs: used.user + used.system,
        signCalls: 0,
        issued: 0,
        reused: 0,
        denied: 0,
        ...(codeMode ? { storeCalls: { ...storeCalls } } : {}),
      });
    } else if (message.type === 'prepare') {
      prepare(message.count, message.kind).then(send, (err) =>
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
    } else if (message.type === 'stop') {
      server.closeAllConnections();
      stop();
    }
  });
  process.on('disconnect', stop);

  send({
    type: 'ready',
    url: issuer,
    issuer,
    jwksUri: `${issuer}/jwks`,
    clientId: codeMode ? '' : clientId,
    clientSecret,
    ...(codeMode ? { codeFlow: { clientId, redirectUri } } : {}),
  });
}

main().catch((err) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  console.error(err);
  process.exit(1);
});
