/**
 * Token request parsing as the token endpoint answers it (RFC 6749 §3.2): repeated parameters, the
 * query string, content types, body encoding and size, JSON bodies — exact RFC 6749 §5.2 wire bodies,
 * and no store read for any of them. Every response of this file is checked for
 * `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1) in `afterEach`.
 */
import {
  FORM,
  INVENTORY_API,
  JSON_TYPE,
  ORDERS_API,
  ORDERS_TTL,
  POST_CLIENT_TTL,
  basicAuth,
  formEncode,
  useTokenHarness,
} from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';
import { expectToken, invalidRequest, invalidTarget, tokenRequests } from '../../support/token-responses';

// RFC 6749 §5.1 / §5.2: useTokenHarness checks no-store on every response of every test.
const harness = useTokenHarness();
let h: TokenHarness;
beforeEach(() => {
  h = harness();
});

const { send, asBasic } = tokenRequests(() => h);

describe('repeated parameters (RFC 6749 §3.2)', () => {
  it.each(['grant_type', 'scope', 'audience', 'client_id', 'client_secret'])(
    'a repeated %s → 400 invalid_request',
    async (name) => {
      const res = await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['client_id', h.fixtures.post.clientId],
          ['client_secret', h.fixtures.post.secret],
          ['scope', 'orders:read'],
          ['audience', ORDERS_API],
          [name, name === 'grant_type' ? 'client_credentials' : 'x'],
        ],
      });
      expect(res).toEqual(invalidRequest(`parameter ${name} is repeated`));
      expect(h.store.totalCalls()).toBe(0);
    },
  );

  it('a repetition counts even when one of the values is empty', async () => {
    expect(
      await asBasic([
        ['scope', 'orders:read'],
        ['scope', ''],
      ]),
    ).toEqual(invalidRequest('parameter scope is repeated'));
  });

  it('a repeated resource → 400 invalid_target (RFC 8707 §2: one audience per token)', async () => {
    expect(
      await asBasic([
        ['resource', ORDERS_API],
        ['resource', INVENTORY_API],
      ]),
    ).toEqual(invalidTarget('only one resource may be requested per token'));
    expect(
      await asBasic([
        ['resource', ORDERS_API],
        ['resource', ORDERS_API],
      ]),
    ).toEqual(invalidTarget('only one resource may be requested per token'));
  });

  // JSON.parse keeps the last of duplicate keys, so without an explicit check a JSON body could repeat
  // a parameter unnoticed (a parser differential with anything in front that reads the first).
  // docs/contract.md: "a repeated parameter → 400 invalid_request".
  it('a repeated key in a JSON body → 400 invalid_request, like a repeated form parameter', async () => {
    const { clientId, secret } = h.fixtures.basic;
    const res = await send({
      body: `{"grant_type":"client_credentials","audience":"${INVENTORY_API}","audience":"${ORDERS_API}"}`,
      contentType: JSON_TYPE,
      authorization: basicAuth(clientId, secret),
    });
    expect(res).toEqual(invalidRequest('parameter audience is repeated'));
  });
});

describe('where the parameters are', () => {
  it('credentials in the query string → 400 invalid_request, nothing read or signed', async () => {
    const { clientId, secret } = h.fixtures.post;
    const query = `client_id=${formEncode(clientId)}&client_secret=${formEncode(secret)}`;
    const form: [string, string][] = [
      ['grant_type', 'client_credentials'],
      ['audience', ORDERS_API],
    ];
    const expected = invalidRequest('parameters must be sent in the request body, not in the URI');
    expect(await send({ form, query })).toEqual(expected);
    // RFC 6749 §3.2: not even beside a complete, valid body.
    const valid: [string, string][] = [...form, ['client_id', clientId], ['client_secret', secret]];
    expect(await send({ form: valid, query: 'audience=https%3A%2F%2Fapi.example.com' })).toEqual(expected);
    expect(await send({ form: valid, query: 'x' })).toEqual(expected);
    expect(h.store.totalCalls()).toBe(0);
    expect(h.signer.signCalls).toBe(0);
    expectToken(await send({ form: valid }), POST_CLIENT_TTL, 'orders:read');
  });
});

describe('content type and body', () => {
  const CONTENT_TYPE_ERROR = 'content type must be application/x-www-form-urlencoded or application/json';

  it.each([
    ['text/plain'],
    ['multipart/form-data; boundary=x'],
    ['application/jsonx'],
    ['application/x-www-form-urlencoded-x'],
    [''],
  ])('Content-Type %j → 400 invalid_request', async (contentType) => {
    const res = await asBasic([['audience', ORDERS_API]], { contentType });
    expect(res).toEqual(invalidRequest(CONTENT_TYPE_ERROR));
    expect(h.store.totalCalls()).toBe(0);
  });

  it('no Content-Type → 400 invalid_request', async () => {
    expect(await asBasic([['audience', ORDERS_API]], { contentType: null })).toEqual(
      invalidRequest(CONTENT_TYPE_ERROR),
    );
  });

  it('a charset other than UTF-8 → 400 invalid_request', async () => {
    expect(await asBasic([['audience', ORDERS_API]], { contentType: `${FORM}; charset=ISO-8859-1` })).toEqual(
      invalidRequest('request body must be UTF-8 encoded'),
    );
  });

  it('media type and charset are case-insensitive', async () => {
    const res = await asBasic([['audience', ORDERS_API]], {
      contentType: 'Application/X-WWW-Form-URLEncoded; Charset="UTF-8"',
    });
    expectToken(res, ORDERS_TTL, 'orders:read orders:write');
  });

  it('a body that is not UTF-8 → 400 invalid_request (form and JSON)', async () => {
    const bytes = Buffer.concat([Buffer.from('grant_type=client_credentials&audience='), Buffer.from([0xff, 0xfe])]);
    expect(await asBasic([], { body: bytes })).toEqual(invalidRequest('request body must be UTF-8 encoded'));
    const json = Buffer.concat([Buffer.from('{"grant_type":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(await asBasic([], { body: json, contentType: JSON_TYPE })).toEqual(
      invalidRequest('request body must be UTF-8 encoded'),
    );
  });

  it('a body over 8 KiB → 400 invalid_request; exactly 8 KiB is accepted', async () => {
    const base = new URLSearchParams([
      ['grant_type', 'client_credentials'],
      ['audience', ORDERS_API],
      ['padding', ''],
    ]).toString();
    const exact = base + 'x'.repeat(8192 - base.length);
    expect(Buffer.byteLength(exact)).toBe(8192);
    expectToken(await asBasic([], { body: exact }), ORDERS_TTL, 'orders:read orders:write');
    expect(await asBasic([], { body: `${exact}x` })).toEqual(invalidRequest('request body exceeds 8192 bytes'));
    expect(await asBasic([], { body: 'x'.repeat(1024 * 1024), contentType: 'text/plain' })).toEqual(
      invalidRequest('request body exceeds 8192 bytes'),
    );
  });

  it.each([
    ['[]', 'request body must be a JSON object'],
    ['"client_credentials"', 'request body must be a JSON object'],
    ['null', 'request body must be a JSON object'],
    ['42', 'request body must be a JSON object'],
    ['{"grant_type":["client_credentials"]}', 'parameter grant_type must be a string'],
    ['{"grant_type":"client_credentials","audience":{"id":"x"}}', 'parameter audience must be a string'],
    ['{"grant_type":"client_credentials","expires":3600}', 'parameter expires must be a string'],
    ['{"grant_type":"client_credentials","audience":null}', 'parameter audience must be a string'],
    ['{"grant_type":"client_credentials"', 'request body is not valid JSON'],
    ["{'grant_type':'client_credentials'}", 'request body is not valid JSON'],
    ['', 'request body is not valid JSON'],
  ])('JSON body %s → 400 invalid_request', async (body, description) => {
    expect(await asBasic([], { body, contentType: JSON_TYPE })).toEqual(invalidRequest(description));
    expect(h.store.totalCalls()).toBe(0);
  });
});
