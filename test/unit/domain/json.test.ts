/**
 * The one JSON entry of the core (lambdas/domain/json.ts): nesting is bounded on the text before
 * anything parses or walks it, brackets inside strings do not count, and every caller of it — the
 * token endpoint's JSON body, the authorizer's route scopes — refuses deep nesting with its own error.
 */
import { parseRouteScopes } from '../../../lambdas/domain/bearer-authorization';
import { MAX_JSON_NESTING, jsonNestsDeeperThan, parseJson, parseJsonObject } from '../../../lambdas/domain/json';
import { parseTokenRequest } from '../../../lambdas/domain/endpoints/token-request';
import { InvalidRequestError } from '../../../lambdas/domain/errors';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":{}}', 1, true],
    ['{"a":"{{{{[[[["}', 1, false],
    ['{"a":"\\"{{{"}', 1, false],
    ['{"a":"\\\\"}', 1, false],
    [deep(64), 64, false],
    [deep(65), 64, true],
  ])('%s within %i → %s', (text, max, expected) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(expected);
  });

  it('scans a million levels without recursion', () => {
    expect(jsonNestsDeeperThan(deep(1_000_000), MAX_JSON_NESTING)).toBe(true);
  });
});

it('parseJson and parseJsonObject refuse deep nesting before parsing', () => {
  expect(parseJson(deep(MAX_JSON_NESTING + 1))).toEqual({ ok: false, problem: 'too_deep' });
  expect(parseJson(deep(MAX_JSON_NESTING))).toMatchObject({ ok: true });
  expect(parseJsonObject(`{"a":${deep(5_000)}}`)).toEqual({ ok: false, problem: 'too_deep' });
  expect(parseJsonObject('[1]')).toEqual({ ok: false, problem: 'not_an_object' });
  expect(parseJsonObject('{')).toEqual({ ok: false, problem: 'invalid_json' });
});

it('the token endpoint answers a deeply nested JSON body with invalid_request', () => {
  const request = {
    method: 'POST',
    path: '/oauth2/token',
    headers: { 'content-type': 'application/json' },
    rawQuery: '',
    body: Buffer.from(`{"grant_type":${deep(2_000)}}`),
  };
  expect(() => parseTokenRequest(request)).toThrow(
    new InvalidRequestError('request body must be a flat JSON object of strings'),
  );
});

it('route scopes nested deeply are refused like any other malformed map', () => {
  expect(() => parseRouteScopes(`{"GET":${deep(5_000)}}`)).toThrow(
    'route scopes must be a JSON object of method → scopes',
  );
});
