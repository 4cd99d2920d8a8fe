/**
 * The README's scale-ceilings table ("Scale ceilings") is true to the templates: every per-stage value
 * that a stage deploys — reserved and provisioned concurrency per function, HTTP API throttling, WAF
 * rate limits, the KMS Sign-rate alarm's threshold — is read from the synthesized stacks and compared
 * with the table's cell for that stage ('—' where the template sets none). Rows about account quotas
 * (KMS, Lambda, API Gateway, DynamoDB partitions) are AWS's defaults and are checked for presence.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StageName } from '../../lib/config';
import { STAGE_NAMES } from '../../lib/config';
import type { CfnResource, SynthesizedApp } from './cdk-app';
import { REPO_ROOT, resourcesOfType, synthApp } from './cdk-app';

/** The table under "## Scale ceilings": first cell → the four stage cells. */
function readmeTable(): Map<string, Record<StageName, string>> {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Scale ceilings\n');
  if (start < 0) throw new Error('README has no "Scale ceilings" section');
  const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 1));
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !/^\|\s*ceiling\s/.test(line) && !/^\|\s*-+\s*\|/.test(line));
  const table = new Map<string, Record<StageName, string>>();
  for (const row of rows) {
    const cells = row
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim());
    const [name, dev, test, staging, prod] = cells as [string, string, string, string, string];
    table.set(name.replace(/`/g, ''), { dev, test, staging, prod });
  }
  return table;
}

let synth: SynthesizedApp;
const table = readmeTable();

beforeAll(() => {
  synth = synthApp({ 'idp:account': '111111111111', 'idp:region': 'eu-west-1' });
}, 120_000);
afterAll(() => synth?.cleanup());

function fnOf(stage: StageName, service: string): CfnResource {
  const fn = Object.values(resourcesOfType(synth.json(stage, 'api'), 'AWS::Lambda::Function')).find(
    (f) =>
      (f.Properties!['Environment'] as { Variables: Record<string, unknown> } | undefined)?.Variables[
        'POWERTOOLS_SERVICE_NAME'
      ] === service,
  );
  if (fn === undefined) throw new Error(`${stage}: no ${service} function`);
  return fn;
}

const dash = (value: unknown) => (value === undefined ? '—' : String(value));

const reserved = (service: string) => (stage: StageName) =>
  dash(fnOf(stage, service).Properties!['ReservedConcurrentExecutions']);

function throttle(stage: StageName, route?: string): string {
  const [apiStage] = Object.values(resourcesOfType(synth.json(stage, 'api'), 'AWS::ApiGatewayV2::Stage'));
  const props = apiStage!.Properties!;
  const settings = (
    route === undefined ? props['DefaultRouteSettings'] : (props['RouteSettings'] as Record<string, unknown>)[route]
  ) as { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
  return `${settings.ThrottlingRateLimit} / ${settings.ThrottlingBurstLimit}`;
}

function wafLimit(stage: StageName, ruleName: string): string {
  const templates = [synth.json(stage, 'api')];
  try {
    templates.push(synth.json(stage, 'edge-waf'));
  } catch {
    // no edge stack for this stage
  }
  for (const template of templates) {
    for (const acl of Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACL'))) {
      const rules = acl.Properties!['Rules'] as {
        Name: string;
        Statement: { RateBasedStatement?: { Limit: number } };
      }[];
      const rule = rules.find((r) => r.Name === ruleName);
      if (rule !== undefined) return String(rule.Statement.RateBasedStatement!.Limit);
    }
  }
  return '—';
}

function alarmThreshold(stage: StageName, alarm: string): string {
  const found = Object.values(resourcesOfType(synth.json(stage, 'api'), 'AWS::CloudWatch::Alarm')).find(
    (a) => a.Properties!['AlarmName'] === `serverless-idp-${stage}-${alarm}`,
  );
  return dash(found?.Properties!['Threshold']);
}

function provisioned(stage: StageName): string {
  const [alias] = Object.values(resourcesOfType(synth.json(stage, 'api'), 'AWS::Lambda::Alias'));
  return dash(
    (alias?.Properties!['ProvisionedConcurrencyConfig'] as { ProvisionedConcurrentExecutions: number } | undefined)
      ?.ProvisionedConcurrentExecutions,
  );
}

/** README row → what the template says for a stage. */
const FROM_TEMPLATES: Record<string, (stage: StageName) => string> = {
  'token function reserved concurrency': reserved('token'),
  'token function provisioned concurrency': provisioned,
  'admin function reserved concurrency': reserved('admin'),
  'authorizer function reserved concurrency': reserved('authorizer'),
  'discovery function reserved concurrency': reserved('discovery'),
  'sign-in function reserved concurrency': reserved('sign-in'),
  'userinfo function reserved concurrency': reserved('userinfo'),
  'HTTP API throttling, POST /oauth2/token (rate/s / burst)': (stage) => throttle(stage, 'POST /oauth2/token'),
  'HTTP API throttling, every other route (rate/s / burst)': (stage) => throttle(stage),
  'WAF, /oauth2/token per IP per 5 min': (stage) => wafLimit(stage, 'TokenEndpointPerIpRateLimit'),
  'WAF, sign-in and set-password POSTs per IP per 5 min': (stage) => wafLimit(stage, 'SignInPerIpRateLimit'),
  'WAF, /oauth2/authorize per IP per 5 min': (stage) => wafLimit(stage, 'AuthorizePerIpRateLimit'),
  'WAF, every path per IP per 5 min': (stage) => wafLimit(stage, 'AllPathsPerIpRateLimit'),
  'KmsSignRateNearQuota alarm, Sign requests per minute (3 minutes)': (stage) =>
    alarmThreshold(stage, 'KmsSignRateNearQuota'),
};

/** Account quotas: AWS's defaults, the same in every stage. */
const ACCOUNT_QUOTAS: Record<string, string> = {
  'KMS Sign quota, per account and Region (RSA / ECC)': '500/s / 300/s',
  'Lambda concurrency, per account and Region': '1000',
  'API Gateway account throttle, per Region (rate/s / burst)': '10000 / 5000',
  "DynamoDB, one client's item collection (one partition)": '3000 reads/s',
};

describe('README "Scale ceilings" is true to the templates', () => {
  it.each(Object.keys(FROM_TEMPLATES))('%s', (row) => {
    const cells = table.get(row);
    expect(cells).toBeDefined();
    const synthesized = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, FROM_TEMPLATES[row]!(stage)]));
    expect(cells).toEqual(synthesized);
  });

  it('the account quotas are stated for every stage', () => {
    for (const [row, value] of Object.entries(ACCOUNT_QUOTAS)) {
      expect({ row, cells: table.get(row) }).toEqual({
        row,
        cells: { dev: value, test: value, staging: value, prod: value },
      });
    }
  });

  it('every row of the table is checked here', () => {
    const checked = new Set([
      ...Object.keys(FROM_TEMPLATES),
      ...Object.keys(ACCOUNT_QUOTAS),
      'KMS Decrypt (envelope only), symmetric quota per account and Region',
    ]);
    expect([...table.keys()].filter((row) => !checked.has(row))).toEqual([]);
  });
});
