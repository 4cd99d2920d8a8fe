/**
 * Which AWS SDK failures are transient (503 `temporarily_unavailable`, retry) and which are not (a
 * logged 500): only throttles, server faults and requests that got no answer may be retried.
 */
import { dependencyUnavailable, isTransient } from '../../../lambdas/adapters/aws-errors';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';

const sdkError = (name: string, meta: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...(meta === undefined ? {} : { $metadata: meta }), ...extra });

describe('isTransient', () => {
  it.each([
    ['a throttle by name', sdkError('ThrottlingException', { httpStatusCode: 400 }), true],
    ['HTTP 429', sdkError('SomethingElse', { httpStatusCode: 429 }), true],
    ['a server fault', sdkError('InternalServerError', { httpStatusCode: 500 }, { $fault: 'server' }), true],
    ['HTTP 503', sdkError('ServiceUnavailable', { httpStatusCode: 503 }), true],
    ['no answer (network error after retries)', sdkError('TimeoutError', { attempts: 3 }), true],
    [
      'a transaction cancelled for a throttled item (ThrottlingError)',
      sdkError(
        'TransactionCanceledException',
        { httpStatusCode: 400 },
        { CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] },
      ),
      true,
    ],
    [
      'a transaction cancelled for a failed condition',
      sdkError(
        'TransactionCanceledException',
        { httpStatusCode: 400 },
        { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] },
      ),
      false,
    ],
    ['a 4xx refusal', sdkError('AccessDeniedException', { httpStatusCode: 400 }), false],
    ['a validation error', sdkError('ValidationException', { httpStatusCode: 400 }), false],
    [
      'an error raised before sending (marshalling)',
      new Error('Number 1e+200 is greater than Number.MAX_SAFE_INTEGER'),
      false,
    ],
    ['a TypeError', new TypeError('x is not a function'), false],
    ['a non-error value', 'boom', false],
  ])('%s → %p', (_what, err, transient) => {
    expect(isTransient(err)).toBe(transient);
  });

  it('translates transient failures into DependencyUnavailableError and the rest into a refusal naming the dependency', () => {
    const throttled = dependencyUnavailable('store', sdkError('ThrottlingException', { httpStatusCode: 400 }));
    expect(throttled).toBeInstanceOf(DependencyUnavailableError);
    expect(throttled).toMatchObject({ dependency: 'store', throttled: true });
    const refused = dependencyUnavailable('signer', sdkError('DisabledException', { httpStatusCode: 400 }));
    expect(refused).not.toBeInstanceOf(DependencyUnavailableError);
    expect(refused.message).toBe('signer call refused: DisabledException');
  });
});
