/**
 * One token, one encoding (issue 16, item 2). A JWS segment is base64url without padding (RFC 7515
 * §2), and base64url is canonical only with its unused trailing bits zero (RFC 4648 §3.5); an ECDSA
 * signature (r, s) verifies as (r, n − s) too, so only low-s (s ≤ n/2) is accepted. Every variant of
 * a valid token — padding, another last character, a non-canonical header or payload, a high-s ES256
 * signature — is refused as `invalid_token` by the verifier, the Lambda authorizer (HTTP API and REST)
 * and the admin API's bearer check; the canonical token still passes. Our signers only ever emit
 * canonical, low-s tokens.
 */
import type {
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { createPublicKey, sign, verify } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { AccessTokenVerifier } from '../../../lambdas/adapters/access-token-verifier';
import { LocalTokenSigner } from '../../../lambdas/adapters/local-token-signer';
import { AccessTokenRejectedError } from '../../../lambdas/client/verify/access-token-rules';
import { JwtAccessTokenVerifier } from '../../../lambdas/client/verify/jwt-access-token-verifier';
import { signAccessToken } from '../../../lambdas/domain/tokens/access-token';
import { InvalidAccessTokenError, parseRouteScopes } from '../../../lambdas/domain/bearer-authorization';
import type { Logger } from '../../../lambdas/domain/ports';
import type { HttpApiEvent } from '../../../lambdas/handlers/api-gateway';
import type { AuthorizerDeps } from '../../../lambdas/handlers/authorizer-handler';
import { makeHandler } from '../../../lambdas/handlers/authorizer-handler';
import { withBearerAuthorization } from '../../../lambdas/handlers/bearer-challenge';
import type { TestKey } from '../../support/token-forge';
import { generateTestKey, projectClaims, projectToken } from '../../support/token-forge';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = `${ISSUER}/admin`;
const ROUTES = parseRouteScopes('{"GET": ["admin:read"], "*": ["admin:write"]}');
/** Order n of the P-256 group (SEC 2 v2 §2.4.2), written out here independently of the code under test. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NOT_CANONICAL = 'the access token is not canonical base64url';
const HIGH_S = 'the access token signature is not in low-s form';

let rsa: TestKey;
let ec: TestKey;
beforeAll(async () => {
  [rsa, ec] = await Promise.all([generateTestKey('RS256'), generateTestKey('ES256')]);
});

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const fromBigInt = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
const sOf = (rs: Uint8Array) => toBigInt(rs.subarray(32));

/** R‖S with S as given (the same signature when S ↦ n − S). */
function withS(rs: Uint8Array, s: bigint): Buffer {
  return Buffer.concat([Buffer.from(rs.subarray(0, 32)), fromBigInt(s)]);
}

/** A signature over the literal segments given (so a non-canonical segment is what is signed); ES256 low-s. */
function signSegments(key: TestKey, header: string, payload: string): string {
  const input = Buffer.from(`${header}.${payload}`, 'ascii');
  let signature: Uint8Array = sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  if (key.alg === 'ES256' && sOf(signature) > P256_N / 2n) signature = withS(signature, P256_N - sOf(signature));
  return `${header}.${payload}.${b64url(signature)}`;
}

/** The segment with its last character replaced by every other one that decodes to the same bytes. */
function sameBytesVariants(segment: string): string[] {
  const bytes = Buffer.from(segment, 'base64url');
  const head = segment.slice(0, -1);
  return [...B64URL]
    .map((ch) => head + ch)
    .filter((variant) => variant !== segment && Buffer.from(variant, 'base64url').equals(bytes));
}

const padded = (segment: string) => segment + '='.repeat((4 - (segment.length % 4)) % 4);

/** A segment whose last character has unused bits (byte length not a multiple of 3), with its variants. */
function nonCanonical(segment: string): string {
  const [variant] = sameBytesVariants(segment);
  if (variant === undefined) throw new Error('the segment has no unused bits');
  return variant;
}

/** A payload JSON whose length leaves unused bits in the last base64url character. */
function payloadWithUnusedBits(): string {
  for (let i = 0; ; i += 1) {
    const json = JSON.stringify(
      projectClaims({ audience: AUDIENCE, scopes: ['admin:read'], jti: `j-${'x'.repeat(i)}` }),
    );
    if (Buffer.byteLength(json) % 3 !== 0) return b64url(json);
  }
}

function headerWithUnusedBits(key: TestKey): string {
  for (let i = 0; ; i += 1) {
    const json = JSON.stringify({
      alg: key.alg,
      typ: 'at+jwt',
      kid: key.kid,
      ...(i === 0 ? {} : { x: 'y'.repeat(i) }),
    });
    if (Buffer.byteLength(json) % 3 !== 0) return b64url(json);
  }
}

/** Every forged variant of one valid token of `key`, each with the description it must be refused with. */
async function variants(key: TestKey): Promise<{ valid: string; forged: [string, string, string][] }> {
  const valid = await projectToken(key, { audience: AUDIENCE, scopes: ['admin:read'] });
  const [h, p, s] = valid.split('.') as [string, string, string];
  const forged: [string, string, string][] = [];
  // RFC 7515 §2: no padding, in any segment (header and payload correctly signed over their literal text).
  const hx = headerWithUnusedBits(key);
  const px = payloadWithUnusedBits();
  forged.push(['padded signature', `${h}.${p}.${padded(s)}`, NOT_CANONICAL]);
  forged.push(['padded header', signSegments(key, padded(hx), px), NOT_CANONICAL]);
  forged.push(['padded payload', signSegments(key, hx, padded(px)), NOT_CANONICAL]);
  // RFC 4648 §3.5: a last character with non-zero unused bits decodes to the same signature.
  for (const alt of sameBytesVariants(s))
    forged.push([`signature ending ${alt.slice(-1)}`, `${h}.${p}.${alt}`, NOT_CANONICAL]);
  // A non-canonical header or payload segment, correctly signed over its literal text.
  forged.push(['non-canonical header', signSegments(key, nonCanonical(hx), px), NOT_CANONICAL]);
  forged.push(['non-canonical payload', signSegments(key, hx, nonCanonical(px)), NOT_CANONICAL]);
  if (key.alg === 'ES256') {
    // RFC 7518 §3.4 signature (r, s) and (r, n − s) both verify: only s ≤ n/2 is accepted.
    const rs = Buffer.from(s, 'base64url');
    expect(sOf(rs) <= P256_N / 2n).toBe(true);
    forged.push(['high-s signature', `${h}.${p}.${b64url(withS(rs, P256_N - sOf(rs)))}`, HIGH_S]);
  }
  return { valid, forged };
}

/**
 * The refusal through an `Authorization` header: '=' inside the token (a padded header or payload)
 * is not even an RFC 6750 §2.1 b64token, so that is `invalid_request`; the rest is `invalid_token`.
 */
function headerDenial(token: string, description: string) {
  return /=[^=]/.test(token)
    ? { error: 'invalid_request', description: 'the Bearer access token is not a valid b64token' }
    : { error: 'invalid_token', description };
}

function recordingLogger() {
  const lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ message, fields }),
    warn: (message, fields) => lines.push({ message, fields }),
    error: (message, fields) => lines.push({ message, fields }),
  };
  return { lines, logger };
}

function deps(logger: Logger): AuthorizerDeps {
  return {
    verifier: new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [rsa.publicJwk, ec.publicJwk] },
      fetchJwks: () => Promise.reject(new Error('no fetch expected')),
    }),
    routeScopes: ROUTES,
    logger,
  };
}

const httpApiEvent = (authorization: string) =>
  ({
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/admin/clients',
    identitySource: [authorization],
    routeKey: 'ANY /admin/{proxy+}',
    rawPath: '/admin/clients',
    rawQueryString: '',
    cookies: [],
    headers: { authorization },
    requestContext: { http: { method: 'GET', path: '/admin/clients' }, routeKey: 'ANY /admin/{proxy+}' },
  }) as unknown as APIGatewayRequestAuthorizerEventV2;

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/admin/clients';
const tokenEvent = (authorizationToken: string): APIGatewayTokenAuthorizerEvent => ({
  type: 'TOKEN',
  authorizationToken,
  methodArn: METHOD_ARN,
});
const requestEvent = (authorization: string) =>
  ({
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/admin/{proxy+}',
    path: '/admin/clients',
    httpMethod: 'GET',
    headers: { Authorization: authorization },
    multiValueHeaders: { Authorization: [authorization] },
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { httpMethod: 'GET', resourcePath: '/admin/{proxy+}', path: '/prod/admin/clients', stage: 'prod' },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

describe.each(['RS256', 'ES256'] as const)('%s: only the canonical encoding of a token is accepted', (alg) => {
  const key = () => (alg === 'RS256' ? rsa : ec);

  it('a valid token has 16 encodings of its signature; the forged ones are all listed', async () => {
    const { forged } = await variants(key());
    // 256- and 64-byte signatures end with a character carrying 4 data bits and 4 unused bits.
    expect(forged.filter(([name]) => name.startsWith('signature ending'))).toHaveLength(15);
  });

  it('the verifier accepts the canonical token and refuses every variant as InvalidAccessTokenError', async () => {
    const { valid, forged } = await variants(key());
    const verifier = deps(recordingLogger().logger).verifier;
    await expect(verifier.verify(valid)).resolves.toMatchObject({ clientId: 'client-1', scope: ['admin:read'] });
    for (const [name, token, description] of forged) {
      const outcome = await verifier.verify(token).then(
        () => 'accepted',
        (err: unknown) => (err instanceof InvalidAccessTokenError ? err.description : String(err)),
      );
      expect({ name, outcome }).toEqual({ name, outcome: description });
    }
  });

  it("the client's verifier (idp verify) refuses every variant as AccessTokenRejectedError, same text", async () => {
    const { valid, forged } = await variants(key());
    const verifier = new JwtAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [rsa.publicJwk, ec.publicJwk] },
      fetchJwks: () => Promise.reject(new Error('no fetch expected')),
      subject: 'any',
    });
    await expect(verifier.verify(valid)).resolves.toMatchObject({ clientId: 'client-1', scope: ['admin:read'] });
    for (const [name, token, description] of forged) {
      const outcome = await verifier.verify(token).then(
        () => 'accepted',
        (err: unknown) => (err instanceof AccessTokenRejectedError ? err.message : String(err)),
      );
      expect({ name, outcome }).toEqual({ name, outcome: description });
    }
  });

  it('the Lambda authorizer (HTTP API, REST TOKEN and REQUEST) refuses every variant with 401 invalid_token', async () => {
    const { valid, forged } = await variants(key());
    const { lines, logger } = recordingLogger();
    const handle = makeHandler(deps(logger));
    const context = {
      clientId: 'client-1',
      sub: 'client-1',
      jti: expect.any(String),
      scope: 'admin:read',
      claims: '{}',
    };
    expect(await handle(httpApiEvent(`Bearer ${valid}`))).toEqual({ isAuthorized: true, context });
    expect(await handle(tokenEvent(`Bearer ${valid}`))).toHaveProperty('policyDocument.Statement.0.Effect', 'Allow');
    expect(await handle(requestEvent(`Bearer ${valid}`))).toHaveProperty('policyDocument.Statement.0.Effect', 'Allow');
    for (const [name, token, description] of forged) {
      for (const event of [
        httpApiEvent(`Bearer ${token}`),
        tokenEvent(`Bearer ${token}`),
        requestEvent(`Bearer ${token}`),
      ]) {
        lines.length = 0;
        const outcome = await handle(event).then(
          () => 'allowed',
          (err: unknown) => (err as Error).message,
        );
        expect({ name, type: event.type, outcome }).toEqual({ name, type: event.type, outcome: 'Unauthorized' });
        expect(lines).toEqual([
          {
            message: 'request denied',
            fields: expect.objectContaining({ status: 401, ...headerDenial(token, description) }),
          },
        ]);
      }
    }
  });

  it("the admin API's bearer check answers every variant 401 invalid_token with the exact challenge", async () => {
    const { valid, forged } = await variants(key());
    const guarded = withBearerAuthorization(deps(recordingLogger().logger), ISSUER, () =>
      Promise.resolve({ statusCode: 200, body: 'ok' }),
    );
    const event = (authorization: string): HttpApiEvent => ({
      rawPath: '/admin/clients',
      rawQueryString: '',
      headers: { authorization },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET' } },
    });
    expect(await guarded(event(`Bearer ${valid}`))).toEqual({ statusCode: 200, body: 'ok' });
    for (const [name, token, reason] of forged) {
      const { error, description } = headerDenial(token, reason);
      const res = await guarded(event(`Bearer ${token}`));
      expect({ name, res }).toEqual({
        name,
        res: {
          statusCode: 401,
          headers: {
            'Content-Type': 'application/problem+json',
            'WWW-Authenticate': `Bearer realm="${ISSUER}", error="${error}", error_description="${description}"`,
            'Cache-Control': 'no-store',
          },
          body: JSON.stringify({
            type: 'https://serverless-idp.dev/problems/unauthorized',
            title: 'Authentication required',
            status: 401,
            detail: description,
            instance: '/admin/clients',
            error,
          }),
          isBase64Encoded: false,
        },
      });
    }
  });
});

describe('our signers emit only low-s ES256 signatures', () => {
  it('LocalTokenSigner: 200 signatures, every one verifies and has s ≤ n/2', async () => {
    const signer = await LocalTokenSigner.load({ alg: 'ES256' });
    const [jwk] = await signer.publicJwks();
    const publicKey = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
    for (let i = 0; i < 200; i += 1) {
      const input = Buffer.from(`eyJhbGciOiJFUzI1NiJ9.${b64url(`token ${i}`)}`, 'ascii');
      const signature = await signer.sign(input);
      expect(signature).toHaveLength(64);
      expect(verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      expect({ i, low: sOf(signature) <= P256_N / 2n }).toEqual({ i, low: true });
    }
  });

  it('a local ES256 token round-trips through the verifier every time', async () => {
    const signer = await LocalTokenSigner.load({ alg: 'ES256' });
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetchJwks: async () => ({ keys: await signer.publicJwks() }),
    });
    for (let i = 0; i < 40; i += 1) {
      const token = await signAccessToken(projectClaims({ audience: AUDIENCE, jti: `j-${i}` }), signer);
      await expect(verifier.verify(token)).resolves.toMatchObject({ jti: `j-${i}` });
    }
  });
});
