/**
 * The console build (console/build.ts): content-hashed JavaScript and CSS with their source maps, an
 * index.html that loads them with no inline script or style (the CSP is `script-src 'self'`), and
 * JavaScript within the budget of 250 KB gzipped (docs/contract.md, Budgets).
 */
import { buildConsole, javascriptSize } from '../../../console/build';
import { CONSOLE_CONFIG_PLACEHOLDER } from '../../../lambdas/domain/endpoints/console-endpoint';

describe('buildConsole', () => {
  let assets: Awaited<ReturnType<typeof buildConsole>>;
  beforeAll(async () => {
    assets = await buildConsole();
  }, 30_000);

  it('emits one hashed script and stylesheet with source maps, typed', () => {
    const names = Object.keys(assets.files).map((n) => n.replace(/-[A-Z0-9]{8}\./, '-HASH.'));
    expect(names.sort()).toEqual(['main-HASH.css', 'main-HASH.css.map', 'main-HASH.js', 'main-HASH.js.map']);
    const types = Object.fromEntries(
      Object.entries(assets.files).map(([n, f]) => [n.replace(/-[A-Z0-9]{8}\./, '-HASH.'), f.contentType]),
    );
    expect(types).toEqual({
      'main-HASH.css': 'text/css;charset=utf-8',
      'main-HASH.css.map': 'application/json;charset=utf-8',
      'main-HASH.js': 'text/javascript;charset=utf-8',
      'main-HASH.js.map': 'application/json;charset=utf-8',
    });
  });

  it('index.html loads them by their hashed names, with no inline script or style', () => {
    const script = Object.keys(assets.files).find((n) => n.endsWith('.js'))!;
    const stylesheet = Object.keys(assets.files).find((n) => n.endsWith('.css'))!;
    expect(assets.indexTemplate).toContain(`<script type="module" src="/console/assets/${script}"></script>`);
    expect(assets.indexTemplate).toContain(`<link rel="stylesheet" href="/console/assets/${stylesheet}">`);
    expect(assets.indexTemplate).toContain(`<meta name="idp-console" content="${CONSOLE_CONFIG_PLACEHOLDER}">`);
    expect(assets.indexTemplate.match(/<script/g)).toHaveLength(1);
    expect(assets.indexTemplate).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
  });

  it('the JavaScript stays within 250 KB gzipped', () => {
    const size = javascriptSize(assets);
    expect(size.gzipBytes).toBeLessThanOrEqual(250 * 1000);
    expect(size.gzipBytes).toBeGreaterThan(1000);
  });

  it('the same sources build to the same names (content hashes)', async () => {
    const again = await buildConsole();
    expect(Object.keys(again.files).sort()).toEqual(Object.keys(assets.files).sort());
  });
});
