/**
 * The token endpoint's dispatch, errors and headers over in-memory fakes: `grant_type` through the
 * grant registry (unknown → `unsupported_grant_type`, a grant the client is not registered for →
 * `unauthorized_client`) and the RFC 6749 §5.2 `error_description` character set. Request parsing,
 * client authentication and the client credentials grant have their own files
 * (token-endpoint-request, client-authentication, client-credentials-grant). Every response of this
 * file is checked for `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1) in `afterEach`.
 */
import { ORDERS_API, basicAuth, bodyOf, useTokenHarness } from '../../support/in-memory';
import type { TokenHarness, TokenRequestInit } from '../../support/in-memory';
import { invalidRequest, oauthError, tokenRequests } from '../../support/token-responses';

// RFC 6749 §5.1 / §5.2: useTokenHarness checks no-store on every response of every test.
const harness = useTokenHarness();
let h: TokenHarness;
beforeEach(() => {
  h = harness();
});

const { send } = tokenRequests(() => h);

describe('grant type', () => {
  it('missing grant_type → 400 invalid_request', async () => {
    expect(await send({ form: [['scope', 'orders:read']], authorization: basicAuth('a', 'b') })).toEqual(
      invalidRequest('missing required parameter: grant_type'),
    );
    // RFC 6749 §3.2: a parameter without a value is treated as omitted.
    expect(await send({ form: [['grant_type', '']], authorization: basicAuth('a', 'b') })).toEqual(
      invalidRequest('missing required parameter: grant_type'),
    );
    expect(await send({ form: '' })).toEqual(invalidRequest('missing required parameter: grant_type'));
    expect(h.store.totalCalls()).toBe(0);
  });

  it.each(['password', 'REFRESH_TOKEN', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'CLIENT_CREDENTIALS'])(
    'grant_type=%s → 400 unsupported_grant_type',
    async (grantType) => {
      const res = await send({
        form: [
          ['grant_type', grantType],
          ['audience', ORDERS_API],
        ],
        authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret),
      });
      // Repeated only when short and of the RFC 6749 grant-name grammar (oauth-grammar.ts `echo`).
      const description = grantType.startsWith('urn:')
        ? 'the grant type is not supported'
        : `grant type ${grantType} is not supported`;
      expect(res).toEqual(oauthError(400, 'unsupported_grant_type', description));
      expect(h.store.totalCalls()).toBe(0);
      expect(h.signer.signCalls).toBe(0);
    },
  );

  it('a client registered for no grant type → 400 unauthorized_client', async () => {
    const { clientId, secret } = h.fixtures.noGrant;
    const res = await send({
      form: [
        ['grant_type', 'client_credentials'],
        ['audience', ORDERS_API],
      ],
      authorization: basicAuth(clientId, secret),
    });
    expect(res).toEqual(
      oauthError(400, 'unauthorized_client', 'client is not authorized to use the client_credentials grant'),
    );
    expect(h.signer.signCalls).toBe(0);
  });
});

describe('RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E', () => {
  // Unsupported grant types, repeated parameter names and JSON parameter names are echoed into
  // error_description; RFC 6749 §5.2 says it MUST NOT include characters outside that set (no `§`,
  // quotes, backslashes, non-ASCII or control characters), so they are replaced.
  const ALLOWED = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

  it('holds for every description, including those that echo what the client sent', async () => {
    const cases: [TokenRequestInit, string][] = [
      [
        {
          form: [
            ['grant_type', 'client_credentials'],
            ['scope', 'a  b'],
          ],
        },
        'invalid_scope',
      ],
      [{ form: [['grant_type', 'pass"word']] }, 'unsupported_grant_type'],
      [{ form: [['grant_type', 'pass\\word']] }, 'unsupported_grant_type'],
      [{ form: [['grant_type', 'pässwörd']] }, 'unsupported_grant_type'],
      [{ form: [['grant_type', 'password\r\nx']] }, 'unsupported_grant_type'],
      [
        {
          form: [
            ['grant_type', 'client_credentials'],
            ['a"b', '1'],
            ['a"b', '2'],
          ],
        },
        'invalid_request',
      ],
      [{ json: { grant_type: 'client_credentials', 'naïve\\': 1 } }, 'invalid_request'],
    ];
    const violations: string[] = [];
    for (const [init, error] of cases) {
      const body = bodyOf(
        await send({ authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret), ...init }),
      );
      expect(body['error']).toBe(error);
      const description = body['error_description'] as string;
      if (!ALLOWED.test(description)) violations.push(description);
    }
    expect(violations).toEqual([]);
  });
});
