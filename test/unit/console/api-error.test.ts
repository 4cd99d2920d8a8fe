/** How the console words admin API failures (console/src/api-error.ts): problem+json → message and field errors. */
import { fieldOf, toApiError } from '../../../console/src/api-error';

const problem = (slug: string, status: number, extra: Record<string, unknown> = {}) => ({
  type: `https://serverless-idp.dev/problems/${slug}`,
  title: 'x',
  status,
  ...extra,
});

describe('toApiError', () => {
  it('a validation problem: detail as the message, each error under its field', () => {
    const body = problem('validation-error', 400, {
      detail: 'the request body is not valid',
      errors: [
        { pointer: '/redirectUris/2', detail: 'must not contain a wildcard' },
        { pointer: '/redirectUris/0', detail: 'must be https' },
        { pointer: '/name', detail: 'must not be empty' },
        { parameter: 'limit', detail: 'must be 1 to 100' },
      ],
    });
    expect(toApiError(400, body, 'the client')).toEqual({
      status: 400,
      slug: 'validation-error',
      message: 'the request body is not valid',
      fields: {
        redirectUris: 'must not contain a wildcard; must be https',
        name: 'must not be empty',
        limit: 'must be 1 to 100',
      },
    });
  });

  it('412 says someone else changed it', () => {
    expect(
      toApiError(412, problem('precondition-failed', 412, { detail: 'If-Match does not match' }), 'this client'),
    ).toEqual({
      status: 412,
      slug: 'precondition-failed',
      message:
        'Someone else changed this client since you opened it. Reload to see their change, then make yours again.',
      fields: {},
    });
  });

  it('403 keeps the server detail; without one says read-only', () => {
    expect(toApiError(403, problem('insufficient-scope', 403, { detail: 'admin:write is required' })).message).toBe(
      'admin:write is required',
    );
    expect(toApiError(403, undefined).message).toBe('You may not do this: your account is read-only (admin:read).');
  });

  it('no answer, a server failure, a 404 without a body, an OAuth error body', () => {
    expect(toApiError(0, undefined).message).toBe(
      'The server could not be reached. Check the connection and try again.',
    );
    expect(toApiError(503, undefined).message).toBe('The server failed (HTTP 503). Try again in a moment.');
    expect(toApiError(404, undefined, 'this user').message).toBe('This user does not exist (any more).');
    expect(toApiError(400, { error: 'invalid_request', error_description: 'bad' }).message).toBe('bad');
  });

  it('fieldOf: RFC 6901 pointers unescaped, the whole body as ""', () => {
    expect(fieldOf({ pointer: '/a~1b/0' })).toBe('a/b');
    expect(fieldOf({ pointer: '' })).toBe('');
    expect(fieldOf({ header: 'If-Match' })).toBe('If-Match');
  });
});
