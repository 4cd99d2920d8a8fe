/**
 * How each AWS stage serves the admin console (docs/deploy.md, "Admin console"): a small function of its
 * own behind the HTTP API routes `GET|HEAD /console` and `/console/{proxy+}` — so the console is on the
 * issuer's origin, behind CloudFront or not — with the built app in its asset (the bundling hook), the
 * stage's issuer, name and display name in its environment, and no access to the table, keys or secrets.
 * Behind CloudFront the hashed files are cached at the edge; index.html is not.
 */
import { STAGE_DEFAULTS, STAGE_NAMES } from '../../lib/config';
import { CONSOLE_BUNDLING_HOOKS, bundlingFor, handlerEntry } from '../../lib/function-defaults';
import type { CfnTemplate, SynthesizedApp } from './cdk-app';
import { actionsOf, allStatements, resourcesOfType, synthApp } from './cdk-app';

let synth: SynthesizedApp;
beforeAll(() => {
  synth = synthApp({ 'idp:account': '111111111111', 'idp:region': 'eu-west-1' });
}, 120_000);
afterAll(() => synth?.cleanup());

function consoleFunction(json: CfnTemplate): [string, Record<string, unknown>] {
  const entries = Object.entries(resourcesOfType(json, 'AWS::Lambda::Function')).filter(([id]) =>
    id.startsWith('ConsoleFunction'),
  );
  expect(entries).toHaveLength(1);
  return [entries[0]![0], entries[0]![1].Properties!];
}

describe.each(STAGE_NAMES)('stage %s: the admin console', (stage) => {
  test('routes GET and HEAD of /console and /console/{proxy+} to the console function, without an authorizer', () => {
    const json = synth.json(stage, 'api');
    const [fnId] = consoleFunction(json);
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route'))
      .filter((r) => String(r.Properties!['RouteKey']).includes('/console'))
      .map((r) => {
        const target = (r.Properties!['Target'] as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as {
          Ref: string;
        };
        const uri = JSON.stringify(json.Resources[target.Ref]!.Properties!['IntegrationUri']);
        return {
          key: r.Properties!['RouteKey'],
          auth: r.Properties!['AuthorizationType'] ?? 'NONE',
          toConsole: uri.includes(fnId),
        };
      })
      .sort((a, b) => String(a.key).localeCompare(String(b.key)));
    expect(routes).toEqual([
      { key: 'GET /console', auth: 'NONE', toConsole: true },
      { key: 'GET /console/{proxy+}', auth: 'NONE', toConsole: true },
      { key: 'HEAD /console', auth: 'NONE', toConsole: true },
      { key: 'HEAD /console/{proxy+}', auth: 'NONE', toConsole: true },
    ]);
  });

  test('its environment names the issuer and the stage; its role reaches no data, key or secret', () => {
    const json = synth.json(stage, 'api');
    const [, props] = consoleFunction(json);
    const vars = (props['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(vars['IDP_STAGE']).toBe(stage);
    expect(vars['IDP_ISSUER']).toEqual(json.Outputs!['Issuer']!.Value);
    const displayName = STAGE_DEFAULTS[stage].signIn.displayName;
    expect(vars['IDP_DISPLAY_NAME']).toBe(displayName);
    const role = (props['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const attached = new Set(
      Object.entries(json.Resources)
        .filter(([id, r]) => id === role || JSON.stringify(r.Properties?.['Roles'] ?? []).includes(`"${role}"`))
        .map(([id]) => id),
    );
    const actions = allStatements(json)
      .filter((st) => attached.has(st.resource))
      .flatMap((st) => actionsOf(st.statement));
    expect([...new Set(actions)].sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  test('behind CloudFront, /console/assets/* is cached by origin Cache-Control; the rest is not cached', () => {
    const json = synth.json(stage, 'api');
    const distributions = Object.values(resourcesOfType(json, 'AWS::CloudFront::Distribution'));
    if (!STAGE_DEFAULTS[stage].edgeProtection.enabled) {
      expect(distributions).toEqual([]);
      return;
    }
    const config = distributions[0]!.Properties!['DistributionConfig'] as {
      CacheBehaviors: { PathPattern: string; CachePolicyId: unknown; AllowedMethods: string[] }[];
      DefaultCacheBehavior: { CachePolicyId: unknown };
    };
    const assets = config.CacheBehaviors.find((b) => b.PathPattern === '/console/assets/*');
    const wellKnown = config.CacheBehaviors.find((b) => b.PathPattern === '/.well-known/*');
    expect(assets).toEqual({ ...wellKnown, PathPattern: '/console/assets/*' });
    expect(assets!.AllowedMethods).toEqual(['GET', 'HEAD']);
    // index.html and the app's routes: the default behaviour, caching disabled (managed policy id).
    expect(config.DefaultCacheBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
  });
});

test('the console bundle builds the app beside the handler (and no other bundle does)', () => {
  expect(bundlingFor(handlerEntry('console-handler.ts')).commandHooks).toBe(CONSOLE_BUNDLING_HOOKS);
  expect(bundlingFor(handlerEntry('token-handler.ts')).commandHooks).toBeUndefined();
  expect(CONSOLE_BUNDLING_HOOKS.afterBundling('/repo', '/out/asset')).toEqual([
    'cd "/repo" && node --import tsx console/build-cli.ts "/out/asset"',
  ]);
});
