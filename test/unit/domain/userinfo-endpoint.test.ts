/**
 * The userinfo endpoint (OIDC Core §5.3) on the wire, with the real access-token verifier and tokens
 * from the authorization code grant: claims by scope, the RFC 6750 §2 ways a token may (and may not)
 * arrive, RFC 6750 §3 refusals with their exact challenges, the deny-list after a reused code, and a
 * disabled or deleted user.
 */
import { decodeJwt } from 'jose';
import { AccessTokenVerifier } from '../../../lambdas/adapters/access-token-verifier';
import { accessTokenClaims, signAccessToken } from '../../../lambdas/domain/tokens/access-token';
import { UserinfoEndpoint } from '../../../lambdas/domain/endpoints/userinfo-endpoint';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import type { HttpRequest, HttpResponse } from '../../../lambdas/domain/http';
import type { AuthorizationCode } from '../../../lambdas/domain/people/model';
import { ALICE, codeRequest, createCode, seedCodeFixtures } from '../../support/code-flow';
import { CapturingLogger, ISSUER, ORDERS_API, basicAuth, bodyOf, buildTokenEndpoint } from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';

const USERINFO = `${ISSUER}/oauth2/userinfo`;
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const REALM = `Bearer realm="${ISSUER}"`;

let h: TokenHarness;
let endpoint: UserinfoEndpoint;
let logger: CapturingLogger;

beforeEach(async () => {
  h = await buildTokenEndpoint();
  // The verifier checks exp and iat against the real clock.
  h.clock.set(Date.now());
  seedCodeFixtures(h.store, h.people.table, h.hasher);
  logger = new CapturingLogger();
  endpoint = new UserinfoEndpoint({
    issuer: ISSUER,
    verifier: new AccessTokenVerifier({
      issuer: ISSUER,
      audience: USERINFO,
      subject: 'any',
      jwks: { keys: [h.signer.publicJwk] },
    }),
    users: h.people.users,
    revocations: h.people.revocations,
    logger,
  });
});

/** Exchanges a fresh code of the public client; returns the token response body. */
async function exchange(extra: Partial<AuthorizationCode> = {}): Promise<Record<string, unknown>> {
  const code = await createCode(h.people.codes, 'spa', h.clock.now(), extra);
  const res = await h.send(codeRequest({ method: 'none', clientId: 'spa' }, code));
  expect(res.status).toBe(200);
  return bodyOf(res);
}

async function accessToken(extra: Partial<AuthorizationCode> = {}): Promise<string> {
  return (await exchange(extra))['access_token'] as string;
}

function userinfo(init: { method?: string; authorization?: string; form?: string; query?: string; type?: string }) {
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers['authorization'] = init.authorization;
  if (init.form !== undefined) headers['content-type'] = init.type ?? 'application/x-www-form-urlencoded';
  const req: HttpRequest = {
    method: init.method ?? 'GET',
    path: '/oauth2/userinfo',
    headers,
    rawQuery: init.query ?? '',
    body: Buffer.from(init.form ?? ''),
  };
  return endpoint.handle(req);
}

/** RFC 6750 §3: the challenge and the same error as JSON. */
function refusal(status: number, error: string, description: string, scope?: string): HttpResponse {
  return {
    status,
    headers: {
      'Content-Type': 'application/json',
      'WWW-Authenticate':
        `${REALM}, error="${error}", error_description="${description}"` +
        (scope === undefined ? '' : `, scope="${scope}"`),
      ...NO_STORE,
    },
    body: JSON.stringify({ error, error_description: description }),
  };
}

const ALICE_ALL = {
  sub: ALICE.userId,
  name: 'Alice Liddell',
  preferred_username: 'alice',
  email: 'alice@example.com',
  email_verified: false,
};

describe('userinfo: answers', () => {
  it('GET with a Bearer header → 200 {sub, …claims of the scopes}, no-store', async () => {
    const token = await accessToken();
    expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual({
      status: 200,
      headers: { 'Content-Type': 'application/json', ...NO_STORE },
      body: JSON.stringify(ALICE_ALL),
    });
  });

  it('POST with the token in the form body (RFC 6750 §2.2) or in the header', async () => {
    const token = await accessToken();
    for (const res of [
      await userinfo({ method: 'POST', form: `access_token=${token}` }),
      await userinfo({ method: 'POST', authorization: `bearer ${token}` }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body).toBe(JSON.stringify(ALICE_ALL));
    }
  });

  it('the same claims as the ID token, by scope: openid alone → sub only; openid email → the email claims', async () => {
    const openid = await accessToken({ scopes: ['openid'], audience: undefined });
    expect(bodyOf(await userinfo({ authorization: `Bearer ${openid}` }))).toEqual({ sub: ALICE.userId });
    const email = await exchange({ scopes: ['openid', 'email', 'orders:read'] });
    const info = bodyOf(await userinfo({ authorization: `Bearer ${email['access_token'] as string}` }));
    expect(info).toEqual({ sub: ALICE.userId, email: 'alice@example.com', email_verified: false });
    const idToken = decodeJwt(email['id_token'] as string);
    for (const [claim, value] of Object.entries(info)) expect(idToken[claim]).toEqual(value);
  });
});

describe('userinfo: RFC 6750 refusals', () => {
  it('no token → 401 with the bare challenge and no error code (§3.1)', async () => {
    for (const res of [
      await userinfo({}),
      await userinfo({ authorization: basicAuth('a', 'b') }),
      // A JSON body is not where RFC 6750 §2.2 puts a token.
      await userinfo({ method: 'POST', form: JSON.stringify({ access_token: 'x' }), type: 'application/json' }),
    ]) {
      expect(res).toEqual({ status: 401, headers: { 'WWW-Authenticate': REALM, ...NO_STORE }, body: '' });
    }
  });

  it('a token in the URI, two methods at once, a repeated or malformed one → 400 invalid_request', async () => {
    const token = await accessToken();
    expect(await userinfo({ query: `access_token=${token}`, authorization: `Bearer ${token}` })).toEqual(
      refusal(400, 'invalid_request', 'the access token must not be sent in the URI'),
    );
    expect(await userinfo({ method: 'POST', authorization: `Bearer ${token}`, form: `access_token=${token}` })).toEqual(
      refusal(400, 'invalid_request', 'more than one method was used to send the access token'),
    );
    expect(await userinfo({ method: 'POST', form: `access_token=${token}&access_token=${token}` })).toEqual(
      refusal(400, 'invalid_request', 'parameter access_token is repeated'),
    );
    expect(await userinfo({ authorization: `Bearer ${token} ${token}` })).toEqual(
      refusal(400, 'invalid_request', 'exactly one Bearer access token is allowed'),
    );
    expect(await userinfo({ method: 'POST', form: 'access_token=%22quoted%22' })).toEqual(
      refusal(400, 'invalid_request', 'the access token is not a valid b64token'),
    );
  });

  it('garbage, an ID token, a token for an API only, a client credentials token → 401 invalid_token', async () => {
    const { id_token: idToken } = await exchange();
    const apiOnly = await accessToken({ scopes: ['orders:read'] });
    // A client credentials token (sub = client_id) as that grant signs it, even one claiming openid.
    const cc = await signAccessToken(
      accessTokenClaims({
        issuer: ISSUER,
        clientId: 'partner',
        audience: ORDERS_API,
        scopes: ['openid', 'orders:read'],
        claims: {},
        issuedAt: Math.floor(h.clock.now() / 1000),
        ttl: 600,
        jti: 'cc-1',
      }),
      h.signer,
    );
    expect(await userinfo({ authorization: 'Bearer garbage' })).toEqual(
      refusal(401, 'invalid_token', 'the access token is malformed'),
    );
    // An ID token's aud is the client (and its typ JWT, not at+jwt): refused either way.
    for (const token of [idToken as string, apiOnly, cc]) {
      expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual(
        refusal(401, 'invalid_token', 'the access token is not for this API'),
      );
    }
  });

  it('a userinfo token without openid → 403 insufficient_scope naming openid', async () => {
    const token = await accessToken({ scopes: ['profile'], audience: undefined });
    expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual(
      refusal(403, 'insufficient_scope', 'the access token lacks the openid scope', 'openid'),
    );
  });

  it('the token of a reused code is on the deny-list → 401 invalid_token', async () => {
    const code = await createCode(h.people.codes, 'spa', h.clock.now());
    const first = bodyOf(await h.send(codeRequest({ method: 'none', clientId: 'spa' }, code)));
    const token = first['access_token'] as string;
    expect((await userinfo({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await h.send(codeRequest({ method: 'none', clientId: 'spa' }, code))).status).toBe(400);
    expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual(
      refusal(401, 'invalid_token', 'the access token was revoked'),
    );
  });

  it('a disabled or deleted user → 401 invalid_token', async () => {
    const token = await accessToken();
    h.people.table.users.get(ALICE.userId)!.status = 'disabled';
    expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual(
      refusal(401, 'invalid_token', 'the user is no longer active'),
    );
    h.people.table.users.delete(ALICE.userId);
    expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual(
      refusal(401, 'invalid_token', 'the user is no longer active'),
    );
  });

  it('another method → 405 with Allow: GET, POST', async () => {
    expect(await userinfo({ method: 'PUT' })).toEqual({
      status: 405,
      headers: { 'Content-Type': 'application/json', Allow: 'GET, POST', ...NO_STORE },
      body: JSON.stringify({ error: 'invalid_request', error_description: 'userinfo accepts GET and POST' }),
    });
  });

  it('the table unavailable → 503 temporarily_unavailable with Retry-After, logged; never a 500', async () => {
    const token = await accessToken();
    h.people.revocations.isAccessTokenDenied = async () => {
      throw new DependencyUnavailableError('store');
    };
    expect(await userinfo({ authorization: `Bearer ${token}` })).toEqual({
      status: 503,
      headers: { 'Content-Type': 'application/json', ...NO_STORE, 'Retry-After': '1' },
      body: JSON.stringify({ error: 'temporarily_unavailable' }),
    });
    expect(logger.entries.map((e) => e.message)).toEqual(['userinfo could not be answered']);
  });
});
