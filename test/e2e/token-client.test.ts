/**
 * The partner token client against the local IdP over HTTP: exact wire requests for both client
 * authentication methods (with a secret that form-encoding changes), the cache per audience and scope
 * set, refresh ahead of expiry on an injected clock, single flight, retries of transient failures
 * (the server's own 503 + Retry-After, and network errors) with bounded backoff, no retry of OAuth
 * errors, the secret kept out of every error, log line and inspection, and `authorizedFetch` against a
 * resource server that rejects a token with RFC 6750 `invalid_token`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import util from 'node:util';
import type { TokenRequest } from '../../lambdas/client/token-client';
import {
  TokenClient,
  TokenClientError,
  TokenEndpointError,
  TokenNetworkError,
  formEncode,
  metadataUrl,
  parseRetryAfter,
  tokenCacheKey,
} from '../../lambdas/client/token-client';
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { accessTokenVerifier, registerApi, registerClient, startTestIdp } from '../support/local-idp';

const ORDERS = 'https://orders.example.test';
const BILLING = 'https://billing.example.test';
/**
 * Characters that form-encoding changes (RFC 6749 §2.3.1, Appendix B), including the Basic separator,
 * all within the client_secret grammar (Appendix A: VSCHAR, %x20-7E).
 */
const AWKWARD_SECRET = 'p+ss%20w:rd/&=x y';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A `fetch` that records what it sends; `fault(n)` decides the n-th answer (0-based) before the network. */
function recordingFetch(fault?: (n: number, call: Call) => Response | Error | undefined) {
  const calls: Call[] = [];
  const fn: typeof fetch = async (input, init) => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers:
        init?.headers instanceof Headers
          ? Object.fromEntries(init.headers)
          : { ...(init?.headers as Record<string, string> | undefined) },
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    const injected = fault?.(calls.length - 1, call);
    if (injected instanceof Error) throw injected;
    if (injected !== undefined) return injected;
    return fetch(input, init);
  };
  return { fetch: fn, calls, tokenCalls: () => calls.filter((c) => c.url.endsWith('/oauth2/token')) };
}

function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

describe('TokenClient against the local IdP', () => {
  let idp: LocalIdp;
  let tokenEndpoint: string;
  /** Store failures still to inject into the token endpoint (each answers 503 + Retry-After: 1). */
  let storeFaults = 0;
  let basicClient: { clientId: string; clientSecret: string };
  let postClient: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    idp = await startTestIdp(
      {},
      {
        overrideTokenDeps: (deps) => ({
          ...deps,
          store: {
            loadClientBundle: async (clientId) => {
              if (storeFaults > 0) {
                storeFaults--;
                throw new DependencyUnavailableError('store', new Error('injected'), true);
              }
              return deps.store.loadClientBundle(clientId);
            },
            apiExists: (identifier) => deps.store.apiExists(identifier),
          },
        }),
      },
    );
    tokenEndpoint = `${idp.issuer}/oauth2/token`;
    await registerApi(idp, ORDERS, ['orders:read', 'orders:write']);
    await registerApi(idp, BILLING, ['billing:read']);
    const rules = [
      { audience: ORDERS, scopes: ['orders:read', 'orders:write'] },
      { audience: BILLING, scopes: ['billing:read'] },
    ];
    basicClient = await registerClient(idp, { method: 'client_secret_basic', rules, clientSecret: AWKWARD_SECRET });
    postClient = await registerClient(idp, {
      method: 'client_secret_post',
      rules,
      clientSecret: `post-${AWKWARD_SECRET}`,
    });
  });

  afterAll(async () => {
    await idp?.stop();
  });

  beforeEach(() => {
    storeFaults = 0;
  });

  function client(options: Partial<ConstructorParameters<typeof TokenClient>[0]> = {}) {
    return new TokenClient({ tokenEndpoint, ...basicClient, ...options });
  }

  describe('client authentication on the wire', () => {
    it('client_secret_basic: form-encodes id and secret inside Basic (RFC 6749 §2.3.1); the server accepts it', async () => {
      const rec = recordingFetch();
      const before = Date.now();
      const token = await client({ fetch: rec.fetch }).getToken({ audience: ORDERS, scope: 'orders:read' });

      expect(rec.calls).toEqual([
        {
          url: tokenEndpoint,
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
            Authorization: basic(basicClient.clientId, AWKWARD_SECRET),
          },
          body: `grant_type=client_credentials&audience=${encodeURIComponent(ORDERS)}&scope=orders%3Aread`,
        },
      ]);
      // The encoding differs from the raw secret (so the server really decoded it).
      expect(formEncode(AWKWARD_SECRET)).toBe('p%2Bss%2520w%3Ard%2F%26%3Dx+y');
      expect(token.tokenType).toBe('Bearer');
      expect(token.scope).toBe('orders:read');
      expect(token.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
      expect(token.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
      const payload = await (await accessTokenVerifier(idp, ORDERS)).verify(token.accessToken);
      expect(payload).toMatchObject({ client_id: basicClient.clientId, aud: ORDERS, scope: 'orders:read' });
    });

    it('client_secret_post: credentials in the form body; no Authorization header', async () => {
      const rec = recordingFetch();
      const token = await new TokenClient({
        tokenEndpoint,
        ...postClient,
        authMethod: 'client_secret_post',
        fetch: rec.fetch,
      }).getToken({ audience: ORDERS, scope: ['orders:write', 'orders:read'] });

      expect(rec.calls).toHaveLength(1);
      expect(rec.calls[0]!.headers).toEqual({
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      });
      expect(rec.calls[0]!.body).toBe(
        `grant_type=client_credentials&audience=${encodeURIComponent(ORDERS)}&scope=orders%3Aread+orders%3Awrite` +
          `&client_id=${postClient.clientId}&client_secret=${formEncode(postClient.clientSecret)}`,
      );
      expect(token.scope).toBe('orders:read orders:write');
      const payload = await (await accessTokenVerifier(idp, ORDERS)).verify(token.accessToken);
      expect(payload.client_id).toBe(postClient.clientId);
    });

    it('a client registered for post is refused with basic: invalid_client, no retry', async () => {
      const rec = recordingFetch();
      const error = await new TokenClient({ tokenEndpoint, ...postClient, fetch: rec.fetch })
        .getToken({ audience: ORDERS })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
      expect(rec.calls).toHaveLength(1);
    });
  });

  describe('cache', () => {
    it('serves a second call from the cache: one HTTP request; scope order and repetition do not matter', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const first = await c.getToken({ audience: ORDERS, scope: 'orders:read orders:write' });
      const second = await c.getToken({ audience: ORDERS, scope: ['orders:write', 'orders:read', 'orders:read'] });
      const third = await c.getToken({ audience: ORDERS, scope: ' orders:write  orders:read ' });
      expect(rec.calls).toHaveLength(1);
      expect(second).toBe(first);
      expect(third).toBe(first);
      expect(tokenCacheKey({ audience: ORDERS, scope: 'b a' })).toBe(
        tokenCacheKey({ audience: ORDERS, scope: ['a', 'b'] }),
      );
    });

    it('keeps one token per audience and scope set', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const read = await c.getToken({ audience: ORDERS, scope: 'orders:read' });
      const all = await c.getToken({ audience: ORDERS });
      const billing = await c.getToken({ audience: BILLING });
      expect(rec.calls).toHaveLength(3);
      expect(new Set([read.accessToken, all.accessToken, billing.accessToken]).size).toBe(3);
      // Audience without scope: every scope the rules grant (docs/contract.md, Token endpoint › Audience and scope).
      expect(all.scope).toBe('orders:read orders:write');
      expect(billing.scope).toBe('billing:read');
      expect(await c.getToken({ audience: ORDERS, scope: 'orders:read' })).toBe(read);
      expect(await c.getToken({ audience: BILLING })).toBe(billing);
      expect(rec.calls).toHaveLength(3);
    });

    it('invalidate(request) forgets one token, invalidate() all of them', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const orders = await c.getToken({ audience: ORDERS });
      const billing = await c.getToken({ audience: BILLING });
      c.invalidate({ audience: ORDERS });
      const orders2 = await c.getToken({ audience: ORDERS });
      expect(orders2).not.toBe(orders);
      expect(await c.getToken({ audience: BILLING })).toBe(billing);
      expect(rec.calls).toHaveLength(3);
      c.invalidate();
      await c.getToken({ audience: ORDERS });
      await c.getToken({ audience: BILLING });
      expect(rec.calls).toHaveLength(5);
    });

    it('a request invalidated while under way is not cached', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const pending = c.getToken({ audience: ORDERS });
      c.invalidate({ audience: ORDERS });
      await pending;
      await c.getToken({ audience: ORDERS });
      expect(rec.calls).toHaveLength(2);
    });
  });

  describe('refresh ahead of expiry (injected clock)', () => {
    it('default: refreshes when less than max(60 s, 10 % of the lifetime) remains', async () => {
      let now = Date.now();
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch, clock: () => now });
      const first = await c.getToken({ audience: ORDERS });
      // expires_in 3600: 10 % = 360 s > 60 s.
      expect(first.expiresAt).toBe(now + 3600_000);
      now = first.expiresAt - 361_000;
      expect(await c.getToken({ audience: ORDERS })).toBe(first);
      expect(rec.calls).toHaveLength(1);
      now = first.expiresAt - 359_000;
      const second = await c.getToken({ audience: ORDERS });
      expect(second).not.toBe(first);
      expect(second.expiresAt).toBe(now + 3600_000);
      expect(rec.calls).toHaveLength(2);
    });

    it('a short-lived token is refreshed when 60 s remain (but at most at half its lifetime)', async () => {
      const shortApi = 'https://short.example.test';
      await registerApi(idp, shortApi, ['short:read'], 300);
      const shortClient = await registerClient(idp, { rules: [{ audience: shortApi, scopes: ['short:read'] }] });
      let now = Date.now();
      const rec = recordingFetch();
      const c = new TokenClient({ tokenEndpoint, ...shortClient, fetch: rec.fetch, clock: () => now });
      const first = await c.getToken({ audience: shortApi });
      expect(first.expiresAt).toBe(now + 300_000);
      now = first.expiresAt - 61_000;
      expect(await c.getToken({ audience: shortApi })).toBe(first);
      now = first.expiresAt - 59_000;
      expect(await c.getToken({ audience: shortApi })).not.toBe(first);
      expect(rec.calls).toHaveLength(2);
    });

    it('refreshAheadSeconds overrides the default', async () => {
      let now = Date.now();
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch, clock: () => now, refreshAheadSeconds: 1000 });
      const first = await c.getToken({ audience: BILLING });
      now = first.expiresAt - 1001_000;
      expect(await c.getToken({ audience: BILLING })).toBe(first);
      now = first.expiresAt - 999_000;
      expect(await c.getToken({ audience: BILLING })).not.toBe(first);
      expect(rec.calls).toHaveLength(2);
    });

    it('a failed refresh falls back to the still-valid cached token; an expired one is never returned', async () => {
      let now = Date.now();
      let failing = false;
      const rec = recordingFetch(() =>
        failing ? Response.json({ error: 'invalid_client', error_description: 'nope' }, { status: 401 }) : undefined,
      );
      const warnings: string[] = [];
      const c = client({
        fetch: rec.fetch,
        clock: () => now,
        logger: { warn: (message) => warnings.push(message) },
      });
      const first = await c.getToken({ audience: ORDERS });
      failing = true;
      now = first.expiresAt - 100_000; // inside the refresh window, still valid
      expect(await c.getToken({ audience: ORDERS })).toBe(first);
      expect(warnings).toEqual(['token refresh failed; using the cached token']);
      now = first.expiresAt + 1;
      await expect(c.getToken({ audience: ORDERS })).rejects.toMatchObject({ error: 'invalid_client' });
      expect(rec.calls).toHaveLength(3);
    });
  });

  describe('single flight', () => {
    it('20 concurrent callers share one HTTP request and get the same token', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          c.getToken({
            audience: ORDERS,
            scope: i % 2 === 0 ? 'orders:read orders:write' : ['orders:write', 'orders:read'],
          }),
        ),
      );
      expect(rec.calls).toHaveLength(1);
      expect(new Set(tokens).size).toBe(1);
    });

    it('concurrent callers for different keys do not wait on each other', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const requests: TokenRequest[] = [{ audience: ORDERS }, { audience: BILLING }];
      const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => c.getToken(requests[i % 2])));
      expect(rec.calls).toHaveLength(2);
      expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(2);
    });

    it('a failure reaches every waiting caller, and the next call tries again', async () => {
      const rec = recordingFetch((n) =>
        n === 0 ? Response.json({ error: 'invalid_scope', error_description: 'no' }, { status: 400 }) : undefined,
      );
      const c = client({ fetch: rec.fetch });
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => c.getToken({ audience: ORDERS })));
      expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
      expect(rec.calls).toHaveLength(1);
      await c.getToken({ audience: ORDERS });
      expect(rec.calls).toHaveLength(2);
    });
  });

  describe('retries', () => {
    it("retries the server's own 503 temporarily_unavailable, waiting its Retry-After", async () => {
      storeFaults = 2;
      const rec = recordingFetch();
      const delays: number[] = [];
      const c = client({ fetch: rec.fetch, sleep: async (ms) => void delays.push(ms), random: () => 0 });
      const token = await c.getToken({ audience: ORDERS });
      expect(rec.calls).toHaveLength(3);
      // The server answered 503 with Retry-After: 1 (its own, not injected); the jitter (0 here) is less.
      expect(delays).toEqual([1000, 1000]);
      expect(storeFaults).toBe(0);
      await (await accessTokenVerifier(idp, ORDERS)).verify(token.accessToken);
    });

    it('gives up after 3 attempts with the last error', async () => {
      storeFaults = 5;
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch, sleep: async () => undefined });
      const error = (await c.getToken({ audience: ORDERS }).catch((e: unknown) => e)) as TokenEndpointError;
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toMatchObject({ status: 503, error: 'temporarily_unavailable', retryAfterSeconds: 1 });
      expect(rec.calls).toHaveLength(3);
      expect(storeFaults).toBe(2);
    });

    it('network errors, 5xx without a body and 429: exponential backoff with full jitter, capped', async () => {
      const answers: (Response | Error)[] = [
        new TypeError('fetch failed'),
        new Response('bad gateway', { status: 502 }),
        new Response('', { status: 429 }),
        new TypeError('fetch failed'),
      ];
      const rec = recordingFetch((n) => answers[n]);
      const delays: number[] = [];
      const c = client({
        fetch: rec.fetch,
        sleep: async (ms) => void delays.push(ms),
        random: () => 0.5,
        retry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 1000 },
      });
      await c.getToken({ audience: BILLING });
      expect(rec.calls).toHaveLength(5);
      // random · min(max, base · 2ⁿ): 0.5 · 200, 400, 800, 1000 (capped)
      expect(delays).toEqual([100, 200, 400, 500]);
    });

    it('a network error after the last attempt is a TokenNetworkError with its cause', async () => {
      const rec = recordingFetch(() => new TypeError('fetch failed'));
      const c = client({ fetch: rec.fetch, sleep: async () => undefined, retry: { attempts: 2 } });
      const error = (await c.getToken({ audience: ORDERS }).catch((e: unknown) => e)) as TokenNetworkError;
      expect(error).toBeInstanceOf(TokenNetworkError);
      expect(error.message).toBe(`request to ${tokenEndpoint} failed: TypeError: fetch failed`);
      expect(error.cause).toBeInstanceOf(TypeError);
      expect(rec.calls).toHaveLength(2);
    });

    it('a Retry-After longer than the bound ends the retries at once', async () => {
      const rec = recordingFetch(() =>
        Response.json({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'Retry-After': '120' } }),
      );
      const delays: number[] = [];
      const c = client({ fetch: rec.fetch, sleep: async (ms) => void delays.push(ms) });
      await expect(c.getToken({ audience: ORDERS })).rejects.toMatchObject({
        status: 503,
        error: 'temporarily_unavailable',
        retryAfterSeconds: 120,
      });
      expect(rec.calls).toHaveLength(1);
      expect(delays).toEqual([]);
    });

    it('Retry-After as an HTTP-date (RFC 9110 §10.2.3)', () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:03 GMT', now)).toBe(3000);
      expect(parseRetryAfter('2', now)).toBe(2000);
      expect(parseRetryAfter('soon', now)).toBeUndefined();
      expect(parseRetryAfter(null, now)).toBeUndefined();
    });

    it('never retries OAuth 4xx errors: invalid_client with the exact RFC 6749 §5.2 fields', async () => {
      const rec = recordingFetch();
      const delays: number[] = [];
      const c = client({ fetch: rec.fetch, clientSecret: 'wrong', sleep: async (ms) => void delays.push(ms) });
      const error = (await c.getToken({ audience: ORDERS }).catch((e: unknown) => e)) as TokenEndpointError;
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toBeInstanceOf(TokenClientError);
      expect({ error: error.error, description: error.error_description, status: error.status }).toEqual({
        error: 'invalid_client',
        description: 'client authentication failed',
        status: 401,
      });
      expect(error.message).toBe('token endpoint error 401 invalid_client: client authentication failed');
      expect(rec.calls).toHaveLength(1);
      expect(delays).toEqual([]);
    });

    it('never retries invalid_scope / invalid_target', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      await expect(c.getToken({ audience: ORDERS, scope: 'billing:read' })).rejects.toMatchObject({
        error: 'invalid_scope',
        status: 400,
      });
      await expect(c.getToken({ audience: 'https://unknown.example.test' })).rejects.toMatchObject({
        error: 'invalid_target',
        status: 400,
      });
      expect(rec.calls).toHaveLength(2);
    });
  });

  describe('the secret stays secret', () => {
    const forms = (secret: string, clientId: string) => [
      secret,
      formEncode(secret),
      encodeURIComponent(secret),
      basic(clientId, secret).slice('Basic '.length),
    ];

    function expectNoSecret(text: string, secret: string, clientId: string) {
      for (const form of forms(secret, clientId)) expect(text).not.toContain(form);
    }

    it('not in errors, their inspection, the client inspection or the log', async () => {
      const secret = 'not-the-secret-' + AWKWARD_SECRET;
      const logged: string[] = [];
      const logger = {
        debug: (m: string, f?: object) => logged.push(m + JSON.stringify(f)),
        warn: (m: string, f?: object) => logged.push(m + JSON.stringify(f)),
      };
      const c = new TokenClient({
        tokenEndpoint,
        clientId: basicClient.clientId,
        clientSecret: secret,
        logger,
        sleep: async () => undefined,
      });
      const endpointError = await c.getToken({ audience: ORDERS }).catch((e: unknown) => e);
      expect(endpointError).toMatchObject({ error: 'invalid_client' });

      // A network failure (the server drops every connection) with its cause chain. The server keeps
      // its port while the client tries, so no other process can take it in between.
      const dropping = http.createServer();
      dropping.on('connection', (socket) => socket.destroy());
      await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
      const port = (dropping.address() as AddressInfo).port;
      const offline = new TokenClient({
        tokenEndpoint: `http://127.0.0.1:${port}/oauth2/token`,
        clientId: 'offline',
        clientSecret: secret,
        logger,
        sleep: async () => undefined,
      });
      const networkError = await offline.getToken({ audience: ORDERS }).catch((e: unknown) => e);
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
      expect(networkError).toBeInstanceOf(TokenNetworkError);

      // A server that echoes the secret back in its error description.
      const echo = new TokenClient({
        tokenEndpoint,
        clientId: 'echo',
        clientSecret: secret,
        fetch: async () =>
          Response.json({ error: 'invalid_request', error_description: `bad secret ${secret}!` }, { status: 400 }),
      });
      const echoed = (await echo.getToken({}).catch((e: unknown) => e)) as TokenEndpointError;
      expect(echoed.error_description).toBe('bad secret [redacted]!');

      for (const [value, clientId] of [
        [endpointError, basicClient.clientId],
        [networkError, 'offline'],
        [echoed, 'echo'],
        [c, basicClient.clientId],
        [offline, 'offline'],
        [echo, 'echo'],
      ] as const) {
        const texts = [
          String(value),
          util.inspect(value, { depth: 20, showHidden: true, getters: true }),
          JSON.stringify(value),
          value instanceof Error ? `${value.message}\n${value.stack}` : '',
        ];
        for (const text of texts) expectNoSecret(text, secret, clientId);
      }
      expect(String(c)).toBe(`TokenClient(${basicClient.clientId} @ ${tokenEndpoint})`);
      expect(JSON.parse(JSON.stringify(c))).toEqual({
        clientId: basicClient.clientId,
        authMethod: 'client_secret_basic',
        tokenEndpoint,
      });
      expect(logged.length).toBeGreaterThan(0);
      expectNoSecret(logged.join('\n'), secret, basicClient.clientId);
      expectNoSecret(logged.join('\n'), secret, 'offline');
    });
  });

  describe('discovery', () => {
    it('reads the token endpoint from RFC 8414 metadata once', async () => {
      const rec = recordingFetch();
      const c = new TokenClient({ issuer: idp.issuer, ...basicClient, fetch: rec.fetch });
      await c.getToken({ audience: ORDERS });
      await c.getToken({ audience: BILLING });
      expect(rec.calls.map((call) => call.url)).toEqual([
        `${idp.issuer}/.well-known/oauth-authorization-server`,
        tokenEndpoint,
        tokenEndpoint,
      ]);
      expect(metadataUrl('https://idp.example.test/tenant1')).toBe(
        'https://idp.example.test/.well-known/oauth-authorization-server/tenant1',
      );
    });

    it('refuses metadata for another issuer (RFC 8414 §3.3)', async () => {
      const c = new TokenClient({ issuer: `${idp.url}/`, ...basicClient });
      await expect(c.getToken({ audience: ORDERS })).rejects.toThrow(
        `the metadata at ${idp.url}/.well-known/oauth-authorization-server is for issuer ${idp.issuer}, not ${idp.url}/`,
      );
    });

    it('refuses to send the secret over plain http to a host other than loopback', () => {
      expect(() => new TokenClient({ tokenEndpoint: 'http://idp.example.test/oauth2/token', ...basicClient })).toThrow(
        'tokenEndpoint must be an https URL (http only for localhost): http://idp.example.test/oauth2/token',
      );
      expect(() => new TokenClient({ issuer: ORDERS, tokenEndpoint, ...basicClient })).toThrow(
        'give exactly one of tokenEndpoint and issuer',
      );
    });
  });

  describe('authorizedFetch', () => {
    let resource: http.Server;
    let resourceUrl: string;
    const revoked = new Set<string>();
    const seen: { authorization: string | undefined; body: string }[] = [];

    beforeAll(async () => {
      const verifier = await accessTokenVerifier(idp, ORDERS);
      // A resource server: RFC 6750 §3.1 invalid_token for a revoked jti, 200 with the client id otherwise.
      resource = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          seen.push({ authorization: req.headers.authorization, body });
          const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          const challenge = (extra: string) => `Bearer realm="orders"${extra}`;
          if (req.url === '/plain-401') {
            res.writeHead(401, { 'WWW-Authenticate': challenge('') }).end();
            return;
          }
          verifier.verify(token ?? '').then(
            (payload) => {
              if (revoked.has(String(payload.jti))) {
                res
                  .writeHead(401, {
                    'WWW-Authenticate': challenge(', error="invalid_token", error_description="revoked"'),
                  })
                  .end();
              } else {
                res
                  .writeHead(200, { 'Content-Type': 'application/json' })
                  .end(JSON.stringify({ client: payload.client_id, body }));
              }
            },
            () => res.writeHead(401, { 'WWW-Authenticate': challenge(', error="invalid_token"') }).end(),
          );
        });
      });
      await new Promise<void>((resolve) => resource.listen(0, '127.0.0.1', resolve));
      resourceUrl = `http://127.0.0.1:${(resource.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => resource.close(() => resolve()));
    });

    beforeEach(() => {
      seen.length = 0;
      revoked.clear();
    });

    it('adds the Bearer token, keeps the caller’s headers and body', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const res = await c.authorizedFetch(
        `${resourceUrl}/orders`,
        { method: 'POST', headers: { 'X-Trace': 't1' }, body: '{"n":1}' },
        { audience: ORDERS, scope: 'orders:write' },
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ client: basicClient.clientId, body: '{"n":1}' });
      const token = await c.getToken({ audience: ORDERS, scope: 'orders:write' });
      expect(seen).toEqual([{ authorization: `Bearer ${token.accessToken}`, body: '{"n":1}' }]);
      expect(rec.calls[1]!.headers).toEqual({ 'x-trace': 't1', authorization: `Bearer ${token.accessToken}` });
      expect(rec.tokenCalls()).toHaveLength(1);
    });

    it('on 401 invalid_token: forgets the token and retries once with a new one', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      const old = await c.getToken({ audience: ORDERS });
      revoked.add(String((await (await accessTokenVerifier(idp, ORDERS)).verify(old.accessToken)).jti));
      const res = await c.authorizedFetch(
        `${resourceUrl}/orders`,
        { method: 'PUT', body: 'again' },
        { audience: ORDERS },
      );
      expect(res.status).toBe(200);
      const fresh = await c.getToken({ audience: ORDERS });
      expect(fresh.accessToken).not.toBe(old.accessToken);
      expect(seen).toEqual([
        { authorization: `Bearer ${old.accessToken}`, body: 'again' },
        { authorization: `Bearer ${fresh.accessToken}`, body: 'again' },
      ]);
      expect(rec.tokenCalls()).toHaveLength(2);
    });

    it('retries only once, and not for a 401 without invalid_token', async () => {
      const rec = recordingFetch();
      const c = client({ fetch: rec.fetch });
      // Every token is "revoked": revoke the next jtis as they are seen.
      const verifier = await accessTokenVerifier(idp, ORDERS);
      const revokeAll: typeof fetch = async (input, init) => {
        const auth = new Headers(init?.headers).get('authorization');
        if (auth?.startsWith('Bearer ')) revoked.add(String((await verifier.verify(auth.slice(7))).jti));
        return rec.fetch(input, init);
      };
      const c2 = client({ fetch: revokeAll });
      const res = await c2.authorizedFetch(`${resourceUrl}/orders`, undefined, { audience: ORDERS });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(seen).toHaveLength(2);
      expect(rec.tokenCalls()).toHaveLength(2);

      seen.length = 0;
      const plain = await c.authorizedFetch(`${resourceUrl}/plain-401`, undefined, { audience: ORDERS });
      expect(plain.status).toBe(401);
      expect(seen).toHaveLength(1);
    });
  });
});
