/**
 * Caller input in errors (lambdas/domain/oauth-grammar.ts `echo`): an `error_description` or a
 * problem `detail` / `errors` entry repeats a value a caller sent only whole, only when it is short
 * (at most 40 characters) and plain, and never when it looks like a client secret. A 4,761-character
 * grant type, a 7,000-character scope, a secret put where a name goes — none of it comes back.
 */
import { MAX_ECHO_LENGTH, echo } from '../../../lambdas/domain/oauth-grammar';
import { ORDERS_API, basicAuth, tokenRequest, useTokenHarness } from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';

const SECRET = `sidp_${'S3cr3t'.repeat(7)}x`;

describe('echo', () => {
  it.each([
    ['password', 'password'],
    ['x'.repeat(MAX_ECHO_LENGTH), 'x'.repeat(MAX_ECHO_LENGTH)],
    ['x'.repeat(MAX_ECHO_LENGTH + 1), undefined],
    ['sidp_short', undefined],
    ['a b', undefined],
    ['é', undefined],
    ['"q"', undefined],
    ['', undefined],
  ])('%j → %j', (value, expected) => {
    expect(echo(value)).toBe(expected);
  });
});

describe('the token endpoint', () => {
  const harness = useTokenHarness();
  let h: TokenHarness;
  beforeEach(() => {
    h = harness();
  });
  const send = (form: [string, string][]) =>
    h.send(tokenRequest({ form, authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret) }));
  const description = async (form: [string, string][]) =>
    (JSON.parse((await send(form)).body) as { error_description: string }).error_description;

  it('an unsupported grant type is repeated only when short and of the RFC 6749 grammar', async () => {
    expect(await description([['grant_type', 'password']])).toBe('grant type password is not supported');
    for (const grantType of [`${'x'.repeat(4_700)}${SECRET}`, SECRET, 'pass word', 'x'.repeat(41), 'a/b']) {
      expect(await description([['grant_type', grantType]])).toBe('the grant type is not supported');
    }
  });

  it('scopes that are not granted are named only when short', async () => {
    expect(
      await description([
        ['grant_type', 'client_credentials'],
        ['scope', 'orders:delete'],
      ]),
    ).toBe('scope not granted: orders:delete');
    const long = Array.from({ length: 140 }, (_, i) => `s${i}:${SECRET}`).join(' ');
    expect(long.length).toBeGreaterThan(7_000);
    expect(
      await description([
        ['grant_type', 'client_credentials'],
        ['scope', long],
      ]),
    ).toBe('scope not granted (140 scopes)');
  });

  it('a parameter name is repeated only when short', async () => {
    const res = await h.send(
      tokenRequest({ json: { grant_type: 'client_credentials', [SECRET]: 1, audience: ORDERS_API } }),
    );
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_request',
      error_description: 'a parameter must be a string',
    });
    const repeated = await h.send(
      tokenRequest({
        form: [
          ['grant_type', 'x'],
          [SECRET, 'a'],
          [SECRET, 'b'],
        ],
      }),
    );
    expect(JSON.parse(repeated.body)).toEqual({
      error: 'invalid_request',
      error_description: 'a parameter is repeated',
    });
  });
});

describe('the admin API', () => {
  const body = { name: 'x', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' };

  it('never repeats a long or secret-looking field name, parameter name, path or method', async () => {
    const h = await makeAdminHarness();
    const answers = [
      await h.call('POST', '/admin/clients', { body: { ...body, [SECRET]: 1 } }),
      await h.call('POST', '/admin/clients', { body: { ...body, metadata: { [`${'k'.repeat(200)}${SECRET}`]: 1 } } }),
      await h.call('GET', '/admin/clients', { query: `${SECRET}=1` }),
      await h.call('GET', '/admin/clients', { query: `limit=1&limit=2&${SECRET}=1&${SECRET}=2` }),
      await h.call('GET', `/admin/${SECRET}`),
      await h.call(SECRET.toUpperCase(), '/admin/clients'),
      await h.call('POST', '/admin/apis', {
        body: { identifier: `https://x.example/${SECRET}`, name: 'a', scopes: [] },
      }),
      await h.call('POST', '/admin/apis', {
        body: { identifier: `https://x.example/${SECRET}`, name: 'a', scopes: [] },
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 404, 405, 201, 409]);
    for (const answer of answers.filter((a) => a.status >= 400)) {
      const { instance: _instance, ...rest } = answer.body as Record<string, unknown>;
      expect(JSON.stringify(rest)).not.toContain('S3cr3t');
    }
    expect(answers[0]!.body.errors).toEqual([
      { pointer: '', detail: 'has a field (its name not repeated) that is not a known field' },
    ]);
    expect(answers[2]!.body.errors).toEqual([
      { parameter: '', detail: 'a parameter (its name not repeated) is not a known parameter' },
    ]);
    expect(answers[5]!.body.detail).toBe('this method is not allowed on /admin/clients');
    expect(answers[7]!.body.detail).toBe('an API with this identifier exists');
  });
});
