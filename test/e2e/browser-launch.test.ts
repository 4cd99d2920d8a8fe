/**
 * What the browser tests say when the packaged Chromium cannot start (test/support/browser.ts): the
 * missing system library and the package that provides it, or the launcher's own message.
 */
import { explainLaunchFailure } from '../support/browser';

describe('explainLaunchFailure', () => {
  it('names the missing library and its Debian package', () => {
    const message =
      'browserType.launch: Failed to launch the browser process!\n' +
      '/tmp/chromium: error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory';
    expect(explainLaunchFailure('/tmp/chromium', message)).toBe(
      'Chromium (/tmp/chromium) cannot start: the system library libnss3.so is missing ' +
        '(Debian/Ubuntu: apt-get install -y libnss3). Or set CHROMIUM_PATH to a Chromium that runs here.',
    );
  });

  it('names a library it has no package for without guessing one', () => {
    const message = '/tmp/chromium: error while loading shared libraries: libfoo.so.2: cannot open shared object file';
    expect(explainLaunchFailure('/tmp/chromium', message)).toBe(
      'Chromium (/tmp/chromium) cannot start: the system library libfoo.so.2 is missing. ' +
        'Or set CHROMIUM_PATH to a Chromium that runs here.',
    );
  });

  it('keeps any other message as it is', () => {
    expect(explainLaunchFailure('/tmp/chromium', 'Timeout 180000ms exceeded.')).toBe('Timeout 180000ms exceeded.');
  });
});
