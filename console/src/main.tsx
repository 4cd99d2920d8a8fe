/** The console's entry: read the settings, sign in (auth.ts), then render the app. */
import './console.css';
import { render } from 'preact';
import { App } from './app';
import { parseConfig } from './config';

const root = document.getElementById('app');
if (root !== null) {
  try {
    const config = parseConfig(document.querySelector('meta[name="idp-console"]')?.getAttribute('content'));
    const issuerOrigin = new URL(config.issuer).origin;
    if (location.origin !== issuerOrigin) {
      // Opened under another name of this server (127.0.0.1 for localhost): the sign-in returns to the
      // issuer's origin (the registered redirect URI), so start there.
      location.replace(`${issuerOrigin}${location.pathname}${location.search}`);
    } else {
      root.textContent = '';
      render(<App config={config} />, root);
    }
  } catch (err) {
    root.textContent = `The admin console cannot start: ${err instanceof Error ? err.message : String(err)}`;
  }
}
