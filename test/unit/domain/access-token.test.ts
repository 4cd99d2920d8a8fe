/**
 * RFC 9068 access tokens: the claims (registered ones first and authoritative, static claims never
 * overriding a reserved one), the lifetime rule (min(client, API), else the default, at most 30 days)
 * and the compact JWS (header `{alg, typ: "at+jwt", kid}`, RS256 / ES256 raw R‖S) verified with the
 * signer's public key.
 */
import { verify } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  MAX_ACCESS_TOKEN_TTL,
  RESERVED_CLAIMS,
  accessTokenClaims,
  accessTokenTtl,
  signAccessToken,
} from '../../../lambdas/domain/tokens/access-token';
import type { AccessTokenInput } from '../../../lambdas/domain/tokens/access-token';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import type { JsonValue } from '../../../lambdas/domain/model';
import type { SigningAlgorithm } from '../../../lambdas/domain/ports';
import { TestSigner } from '../../support/in-memory';

const INPUT: AccessTokenInput = {
  issuer: 'https://idp.example.com',
  clientId: 'client-1',
  audience: 'https://api.example.com',
  scopes: ['orders:read', 'orders:write'],
  claims: {},
  issuedAt: 1_795_000_000,
  ttl: 900,
  jti: 'jti-abc',
};

describe('accessTokenClaims (RFC 9068 §2.2)', () => {
  it('exactly iss, sub (= client_id), aud, client_id, scope, iat, nbf, exp, jti — in that order', () => {
    const claims = accessTokenClaims(INPUT);
    expect(claims).toEqual({
      iss: 'https://idp.example.com',
      sub: 'client-1',
      aud: 'https://api.example.com',
      client_id: 'client-1',
      scope: 'orders:read orders:write',
      iat: 1_795_000_000,
      nbf: 1_795_000_000,
      exp: 1_795_000_900,
      jti: 'jti-abc',
    });
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'client_id', 'scope', 'iat', 'nbf', 'exp', 'jti']);
  });

  it('adds static claims after the registered ones, JSON values intact', () => {
    const claims = accessTokenClaims({
      ...INPUT,
      claims: { tenant: 'acme', tier: 3, beta: true, none: null, regions: ['eu', 'us'], limits: { rpm: 60 } },
    });
    expect(claims).toEqual({
      ...accessTokenClaims(INPUT),
      tenant: 'acme',
      tier: 3,
      beta: true,
      none: null,
      regions: ['eu', 'us'],
      limits: { rpm: 60 },
    });
  });

  it('never lets a static claim set a reserved one', () => {
    expect([...RESERVED_CLAIMS].sort()).toEqual(
      [
        'iss',
        'sub',
        'aud',
        'exp',
        'nbf',
        'iat',
        'jti',
        'client_id',
        'scope',
        'scp',
        'typ',
        'cnf',
        'act',
        'may_act',
        'sid',
        'azp',
        'auth_time',
        'acr',
        'amr',
      ].sort(),
    );
    const hostile: Record<string, JsonValue> = { kept: 'yes' };
    for (const name of RESERVED_CLAIMS) hostile[name] = `evil-${name}`;
    expect(accessTokenClaims({ ...INPUT, claims: hostile })).toEqual({ ...accessTokenClaims(INPUT), kept: 'yes' });
  });

  it('a static claim named __proto__ neither reaches the token nor pollutes prototypes', () => {
    const claims = accessTokenClaims({
      ...INPUT,
      claims: JSON.parse('{"__proto__": {"iss": "evil", "polluted": true}, "ok": 1}') as Record<string, JsonValue>,
    });
    expect(JSON.parse(JSON.stringify(claims))).toEqual({ ...accessTokenClaims(INPUT), ok: 1 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('scope is space-delimited in the given order (RFC 9068 §2.2.3)', () => {
    expect(accessTokenClaims({ ...INPUT, scopes: ['b', 'a'] }).scope).toBe('b a');
  });
});

describe('accessTokenTtl', () => {
  it.each<[number | undefined, number | undefined, number, number]>([
    [600, 1800, 3600, 600],
    [1800, 600, 3600, 600],
    [undefined, 1800, 3600, 1800],
    [900, undefined, 3600, 900],
    [undefined, undefined, 3600, 3600],
    [undefined, undefined, 120, 120],
    // Non-positive values are "not set".
    [0, 1800, 3600, 1800],
    [-5, undefined, 3600, 3600],
    // At most 30 days, whatever the source.
    [40 * 86_400, undefined, 3600, MAX_ACCESS_TOKEN_TTL],
    [undefined, 40 * 86_400, 3600, MAX_ACCESS_TOKEN_TTL],
    [undefined, undefined, 40 * 86_400, MAX_ACCESS_TOKEN_TTL],
    [MAX_ACCESS_TOKEN_TTL, MAX_ACCESS_TOKEN_TTL + 1, 3600, MAX_ACCESS_TOKEN_TTL],
  ])('client %p, API %p, default %p → %p', (client, api, def, expected) => {
    expect(accessTokenTtl(client, api, def)).toBe(expected);
  });

  it('30 days is 2,592,000 s', () => {
    expect(MAX_ACCESS_TOKEN_TTL).toBe(2_592_000);
  });
});

describe('signAccessToken', () => {
  it.each<SigningAlgorithm>(['RS256', 'ES256'])('%s: header, claims and a signature that verifies', async (alg) => {
    const signer = new TestSigner(alg);
    const claims = accessTokenClaims({ ...INPUT, claims: { tenant: 'acme' } });
    const token = await signAccessToken(claims, signer);

    const [header, payload, signature] = token.split('.');
    expect(token.split('.')).toHaveLength(3);
    // base64url without padding (RFC 7515 §2).
    for (const part of [header, payload, signature]) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg, typ: 'at+jwt', kid: signer.kid });
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: signer.kid });
    expect(decodeJwt(token)).toEqual(claims);

    const raw = Buffer.from(signature!, 'base64url');
    if (alg === 'ES256')
      expect(raw).toHaveLength(64); // RFC 7518 §3.4: R‖S, 32 bytes each
    else expect(raw).toHaveLength(256); // RSA 2048
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${payload}`, 'ascii'),
        { key: signer.publicKey, dsaEncoding: 'ieee-p1363' },
        raw,
      ),
    ).toBe(true);
    const { payload: verified } = await jwtVerify(token, signer.publicKey, {
      typ: 'at+jwt',
      algorithms: [alg],
      issuer: INPUT.issuer,
      audience: INPUT.audience,
      currentDate: new Date((INPUT.issuedAt + 1) * 1000),
    });
    expect(verified).toEqual(claims);
    expect(signer.signCalls).toBe(1);
  });

  it('signs exactly the ASCII signing input `header.payload` (RFC 7515 §5.1)', async () => {
    const signer = new TestSigner('ES256');
    const inputs: string[] = [];
    const token = await signAccessToken(accessTokenClaims(INPUT), {
      alg: signer.alg,
      kid: signer.kid,
      sign: (input) => {
        inputs.push(Buffer.from(input).toString('ascii'));
        return signer.sign(input);
      },
    });
    expect(inputs).toEqual([token.split('.').slice(0, 2).join('.')]);
  });

  it('non-ASCII claim values travel as UTF-8 JSON', async () => {
    const signer = new TestSigner('RS256');
    const token = await signAccessToken(accessTokenClaims({ ...INPUT, claims: { name: 'Zoë — ☃' } }), signer);
    expect(decodeJwt(token)['name']).toBe('Zoë — ☃');
    await jwtVerify(token, signer.publicKey, { currentDate: new Date(INPUT.issuedAt * 1000) });
  });

  it('a signer failure propagates and no token is produced', async () => {
    const signer = new TestSigner('RS256');
    signer.failNext(1, { throttled: true });
    const err = await signAccessToken(accessTokenClaims(INPUT), signer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err).toMatchObject({ dependency: 'signer', throttled: true });
  });
});
