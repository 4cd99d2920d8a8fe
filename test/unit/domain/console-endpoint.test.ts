/** The console's file serving (lambdas/domain/endpoints/console-endpoint.ts): exact headers per kind of answer. */
import {
  CONSOLE_CONFIG_PLACEHOLDER,
  CONSOLE_CSP,
  ConsoleEndpoint,
  renderConsoleIndex,
} from '../../../lambdas/domain/endpoints/console-endpoint';

const assets = {
  indexTemplate: `<meta name="idp-console" content="${CONSOLE_CONFIG_PLACEHOLDER}"><script type="module" src="/console/assets/main-AB12.js"></script>`,
  files: { 'main-AB12.js': { contentType: 'text/javascript;charset=utf-8', body: 'console.log(1)' } },
};
const settings = {
  issuer: 'http://localhost:3000',
  displayName: `A & B's <IdP>`,
  stage: 'local',
  clientId: 'idp-console',
};
const endpoint = new ConsoleEndpoint(assets, settings);

describe('ConsoleEndpoint', () => {
  it('any page under /console/ is index.html: no-cache, strict CSP, never framed', () => {
    for (const path of ['/console/', '/console/clients/abc', '/console/callback']) {
      expect(endpoint.handle('GET', path)).toEqual({
        status: 200,
        headers: {
          'Content-Type': 'text/html;charset=utf-8',
          'Cache-Control': 'no-cache',
          'Content-Security-Policy': CONSOLE_CSP,
          'X-Frame-Options': 'DENY',
          'Referrer-Policy': 'no-referrer',
          'X-Content-Type-Options': 'nosniff',
        },
        body: renderConsoleIndex(assets.indexTemplate, settings),
      });
    }
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).toContain("script-src 'self'");
  });

  it('the settings are attribute-escaped JSON in the meta element', () => {
    expect(renderConsoleIndex(assets.indexTemplate, settings)).toBe(
      '<meta name="idp-console" content="{&quot;issuer&quot;:&quot;http://localhost:3000&quot;,&quot;displayName&quot;:' +
        '&quot;A &amp; B&#39;s &lt;IdP&gt;&quot;,&quot;stage&quot;:&quot;local&quot;,&quot;clientId&quot;:&quot;idp-console&quot;}">' +
        '<script type="module" src="/console/assets/main-AB12.js"></script>',
    );
  });

  it('a hashed asset is cached for a year, immutable; an unknown one is 404', () => {
    expect(endpoint.handle('GET', '/console/assets/main-AB12.js')).toEqual({
      status: 200,
      headers: {
        'Content-Type': 'text/javascript;charset=utf-8',
        'Cache-Control': 'public, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      },
      body: 'console.log(1)',
    });
    expect(endpoint.handle('GET', '/console/assets/main-OLD.js')).toEqual({
      status: 404,
      headers: { 'Content-Type': 'text/plain;charset=utf-8', 'Cache-Control': 'no-cache' },
      body: 'not found',
    });
    expect(endpoint.handle('GET', '/console/assets/constructor').status).toBe(404);
  });

  it('/console redirects to /console/; other methods are 405 with Allow', () => {
    expect(endpoint.handle('GET', '/console')).toEqual({
      status: 308,
      headers: { Location: '/console/', 'Cache-Control': 'no-cache' },
      body: '',
    });
    expect(endpoint.handle('POST', '/console/')).toEqual({
      status: 405,
      headers: { 'Content-Type': 'text/plain;charset=utf-8', 'Cache-Control': 'no-cache', Allow: 'GET, HEAD' },
      body: 'method not allowed',
    });
  });
});
