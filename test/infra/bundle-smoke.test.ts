/**
 * The bundles CDK deploys, exercised from the bundle itself: the dev stage is synthesized WITH
 * esbuild bundling (lib/function-defaults.ts: ESM, minified, node22; the AWS SDK bundled in every
 * function but the authorizer), then the token, discovery, sign-in and userinfo artefacts are imported by a fresh `node`
 * process with AWS endpoints pointed at loopback fakes: dynalite, the KMS fake and a Secrets Manager
 * fake. Like on Lambda, where the runtime provides the SDK, the only packages a bundle may import are
 * `@aws-sdk/*` and `@smithy/*`: the artefact is copied under the repository's node_modules/.cache so exactly those
 * resolve (from the pinned node_modules) and anything else a bundle forgot to inline fails. A
 * bundling mistake fails here, not in a deployment. Also: bundle sizes against the budgets (docs/contract.md, Budgets).
 */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { build } from 'esbuild';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';
import { randomIds } from '../../lambdas/adapters/random-ids';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { ensureBootstrap } from '../../lambdas/domain/bootstrap';
import { composeEnvelopeKeyDeps } from '../../lambdas/handlers/compose/envelope-key';
import { makeHandler as makeEnvelopeKeyHandler } from '../../lambdas/handlers/envelope-key-handler';
import { ESM_REQUIRE_BANNER } from '../../lib/function-defaults';
import { REPO_ROOT } from './cdk-app';
import type { TestDynamo } from '../support/dynalite';
import { startTestDynamo } from '../support/dynalite';
import type { KmsFake } from '../support/kms-fake';
import { startKmsFake } from '../support/kms-fake';
import type { CfnTemplate, SynthesizedApp } from './cdk-app';
import { resourcesOfType, synthApp } from './cdk-app';
import type { SecretsManagerFake } from '../support/secrets-manager-fake';
import { startSecretsManagerFake } from '../support/secrets-manager-fake';

const ISSUER = 'https://idp.bundle.test';
const KB = 1024;

let synth: SynthesizedApp;
/** Where bundles run: inside the repository so `@aws-sdk/*` resolves as on the Lambda runtime. */
let runDir: string;
let dynamo: TestDynamo;
let kms: KmsFake;
let secrets: SecretsManagerFake;
let keyId: string;
let pepperArn: string;
const clientId = randomIds.clientId();
const clientSecret = randomIds.clientSecret();

/** The staged asset directory of a function of the dev api stack, by logical-id prefix. */
function assetDir(prefix: string): string {
  const json: CfnTemplate = synth.json('dev', 'api');
  const entry = Object.entries(resourcesOfType(json, 'AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix));
  if (entry === undefined) throw new Error(`no function ${prefix}`);
  const key = (entry[1].Properties!['Code'] as { S3Key: string }).S3Key;
  return path.join(synth.outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

/** The function's environment with every deploy-time token replaced by the fakes' values. */
function environmentOf(prefix: string): Record<string, string> {
  const json: CfnTemplate = synth.json('dev', 'api');
  const fn = Object.entries(resourcesOfType(json, 'AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix))![1];
  const vars = (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
  const resolved: Record<string, string> = {
    IDP_ISSUER: ISSUER,
    IDP_TABLE_NAME: dynamo.tableName,
    IDP_SIGNING_KEY_ARN: kms.arnOf(keyId),
    IDP_PUBLISHED_KEY_ARNS: kms.arnOf(keyId),
    IDP_PEPPER_SECRET_ARN: pepperArn,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value === 'string') env[name] = value;
    else if (resolved[name] !== undefined) env[name] = resolved[name];
    else throw new Error(`unexpected deploy-time variable ${name}`);
  }
  return env;
}

/** HTTP API payload v2 event (the fields API Gateway always sends). */
function httpEvent(method: string, rawPath: string, headers: Record<string, string>, body?: string, query = '') {
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: query,
    headers,
    ...(body !== undefined ? { body, isBase64Encoded: false } : { isBase64Encoded: false }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bundletest',
      domainName: 'idp.bundle.test',
      domainPrefix: 'idp',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bundle-smoke' },
      requestId: 'req-1',
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1767225600000,
    },
  };
}

/** Copies a function's artefact to a run directory under node_modules/.cache. */
function stageBundle(prefix: string): string {
  const dir = path.join(runDir, prefix);
  mkdirSync(dir, { recursive: true });
  for (const file of ['index.mjs', 'index.mjs.map'])
    copyFileSync(path.join(assetDir(prefix), file), path.join(dir, file));
  return dir;
}

/** The packages a bundle leaves to the runtime (static and dynamic imports, requires), by esbuild's own parser. */
async function importedPackages(file: string): Promise<string[]> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const { path: spec, external } of input.imports) {
      if (!external) continue;
      packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return [...packages].sort();
}

/**
 * Imports `index.mjs` of an asset in a fresh node process (cwd = the asset directory, no
 * NODE_PATH, no inherited AWS settings) and invokes its `handler` with each event in turn.
 */
function invokeBundle(dir: string, env: Record<string, string>, events: unknown[]): Promise<unknown[]> {
  const script = [
    'const [file, events] = [process.argv[1], JSON.parse(process.argv[2])];',
    'const mod = await import(file);',
    'const results = [];',
    'for (const event of events) results.push(await mod.handler(event));',
    "process.stdout.write('\\n@@RESULTS@@' + JSON.stringify(results));",
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, path.join(dir, 'index.mjs'), JSON.stringify(events)],
      {
        cwd: dir,
        timeout: 20000,
        env: {
          PATH: process.env['PATH'] ?? '',
          AWS_REGION: 'local',
          // The local DynamoDB's per-start credential (the KMS and Secrets Manager fakes take any).
          AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: 'true',
          // SDK v3 service-specific endpoints.
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_ENDPOINT_URL_KMS: kms.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
          ...env,
        },
      },
      (err, stdout, stderr) => {
        const marker = stdout.lastIndexOf('@@RESULTS@@');
        if (err !== null || marker < 0) {
          reject(new Error(`bundle failed: ${err?.message ?? 'no results'}\n${stderr}\n${stdout}`));
          return;
        }
        resolve(JSON.parse(stdout.slice(marker + '@@RESULTS@@'.length)) as unknown[]);
      },
    );
  });
}

beforeAll(async () => {
  // The one synthesis with real bundles: only the dev stage's stacks bundle.
  synth = synthApp({ 'idp:account': '111111111111', 'idp:region': 'eu-west-1' }, ['serverless-idp-dev/*']);
  mkdirSync(path.join(REPO_ROOT, 'node_modules', '.cache'), { recursive: true });
  runDir = mkdtempSync(path.join(REPO_ROOT, 'node_modules', '.cache', 'idp-bundle-smoke-'));
  dynamo = await startTestDynamo('serverless-idp-bundle-smoke');
  kms = await startKmsFake({ region: 'local' });
  secrets = await startSecretsManagerFake();
  keyId = kms.createKey('RSA_2048');
  const pepper = randomIds.clientSecret();
  pepperArn = secrets.put('serverless-idp-dev-pepper', pepper);
  await ensureBootstrap(
    {
      clients: dynamo.clients,
      apis: dynamo.apis,
      hasher: new HmacSecretHasher(Buffer.from(pepper, 'utf8')),
      clock: systemClock,
      ids: randomIds,
    },
    { issuer: ISSUER, clientId, clientSecret },
  );
}, 120000);

afterAll(async () => {
  await secrets?.close();
  await kms?.close();
  await dynamo?.close();
  synth?.cleanup();
  if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
});

describe('bundles as deployed', () => {
  test('only the dev stage was bundled; every dev function has an ESM bundle with its source map', async () => {
    for (const prefix of [
      'TokenFunction',
      'DiscoveryFunction',
      'AdminFunction',
      'AuthorizerFunction',
      'BootstrapFunction',
      'SignInFunction',
      'UserinfoFunction',
      'ConsoleFunction',
    ]) {
      const dir = assetDir(prefix);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      expect({ prefix, banner: code.startsWith(ESM_REQUIRE_BANNER) }).toEqual({ prefix, banner: true });
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      const map = JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
      // Only Node built-ins and the SDK the runtime provides are left outside the bundle.
      const external = (await importedPackages(path.join(dir, 'index.mjs'))).filter((p) => !isBuiltin(p));
      expect({
        prefix,
        external: external.filter((p) => !p.startsWith('@aws-sdk/') && !p.startsWith('@smithy/')),
      }).toEqual({
        prefix,
        external: [],
      });
    }
    const prodToken = Object.entries(resourcesOfType(synth.json('prod', 'api'), 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('TokenFunction'),
    )![1];
    const prodKey = (prodToken.Properties!['Code'] as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    expect(existsSync(path.join(synth.outdir, `asset.${prodKey}`, 'index.mjs'))).toBe(false);
  });

  test('bundle sizes stay within the budgets (token, sign-in, userinfo ≤ 500 KB, authorizer ≤ 60 KB)', async () => {
    const size = (prefix: string) => statSync(path.join(assetDir(prefix), 'index.mjs')).size;
    expect(size('TokenFunction')).toBeLessThanOrEqual(500 * KB);
    expect(size('AuthorizerFunction')).toBeLessThanOrEqual(60 * KB);
    // The people side: the hosted pages carry the pages and the KDF, userinfo the verifier; both the SDK.
    expect(size('SignInFunction')).toBeLessThanOrEqual(500 * KB);
    expect(size('UserinfoFunction')).toBeLessThanOrEqual(500 * KB);
    // The request-path functions carry the SDK (faster cold init); the authorizer (60 KB budget)
    // imports the one client it uses from the runtime.
    const packagesOf = async (prefix: string) =>
      (await importedPackages(path.join(assetDir(prefix), 'index.mjs'))).filter((p) => !isBuiltin(p));
    for (const prefix of [
      'TokenFunction',
      'DiscoveryFunction',
      'AdminFunction',
      'BootstrapFunction',
      'SignInFunction',
      'UserinfoFunction',
    ]) {
      expect({ prefix, packages: await packagesOf(prefix) }).toEqual({ prefix, packages: [] });
    }
    expect(await packagesOf('AuthorizerFunction')).toEqual(['@aws-sdk/client-dynamodb']);
  });

  test('the token bundle initialises and issues an RS256 access token; an unknown client gets RFC 6749 invalid_client', async () => {
    const basic = (id: string, secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = 'grant_type=client_credentials&scope=admin%3Aread';
    const [ok, unknown] = (await invokeBundle(stageBundle('TokenFunction'), environmentOf('TokenFunction'), [
      httpEvent('POST', '/oauth2/token', { ...form, authorization: basic(clientId, clientSecret) }, body),
      httpEvent('POST', '/oauth2/token', { ...form, authorization: basic('no-such-client', clientSecret) }, body),
    ])) as { statusCode: number; headers: Record<string, string>; body: string }[];

    expect(ok!.statusCode).toBe(200);
    expect(ok!.headers).toEqual({
      'Content-Type': 'application/json;charset=UTF-8',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    });
    const tokenBody = JSON.parse(ok!.body) as Record<string, unknown>;
    expect(Object.keys(tokenBody).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(tokenBody).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'admin:read' });
    const { payload, protectedHeader } = await jwtVerify(
      tokenBody['access_token'] as string,
      createPublicKey(kms.publicKey(keyId).export({ format: 'pem', type: 'spki' })),
      { issuer: ISSUER, audience: `${ISSUER}/admin`, typ: 'at+jwt', algorithms: ['RS256'] },
    );
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: keyId });
    expect(payload).toMatchObject({ sub: clientId, client_id: clientId, scope: 'admin:read' });
    expect(kms.calls.Sign).toBe(1);
    expect(kms.lastSignRequest?.body).toMatchObject({
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    // The pepper is read once per cold start, not per request.
    expect(secrets.reads[pepperArn]).toBe(1);

    expect(unknown).toEqual({
      statusCode: 401,
      headers: {
        'Content-Type': 'application/json;charset=UTF-8',
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
        'WWW-Authenticate': `Basic realm="${ISSUER}"`,
      },
      body: '{"error":"invalid_client","error_description":"client authentication failed"}',
      isBase64Encoded: false,
    });
  });

  test('the discovery bundle serves the JWKS from kms:GetPublicKey', async () => {
    const [jwks] = (await invokeBundle(stageBundle('DiscoveryFunction'), environmentOf('DiscoveryFunction'), [
      httpEvent('GET', '/.well-known/jwks.json', {}),
    ])) as { statusCode: number; headers: Record<string, string>; body: string }[];
    expect(jwks!.statusCode).toBe(200);
    expect(jwks!.headers).toEqual({
      'Content-Type': 'application/jwk-set+json',
      'Cache-Control': 'public, max-age=300',
    });
    const expected = kms.publicKey(keyId).export({ format: 'jwk' });
    expect(JSON.parse(jwks!.body)).toEqual({
      keys: [{ kty: 'RSA', kid: keyId, alg: 'RS256', use: 'sig', n: expected.n, e: expected.e }],
    });
  });

  test('the same token and discovery bundles in envelope mode: one Decrypt at start, no Sign per token; the JWKS from the record', async () => {
    // The record the signing-key custom resource writes (its handler, in-process, over the fakes).
    const wrappingKey = kms.arnOf(kms.createSymmetricKey());
    const created = await makeEnvelopeKeyHandler(composeEnvelopeKeyDeps({ dynamodb: dynamo.doc, kms: kms.client }))({
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider',
      ResponseURL: 'https://cloudformation-custom-resource-response.local/',
      StackId: 'arn:aws:cloudformation:local:000000000000:stack/serverless-idp-dev-stateful/1',
      RequestId: 'req-envelope',
      LogicalResourceId: 'SigningKeyMaterial',
      ResourceType: 'Custom::IdpSigningKey',
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider',
        TableName: dynamo.tableName,
        WrappingKeyArn: wrappingKey,
        StageName: 'dev',
        KeyId: 'initial',
        Algorithm: 'RS256',
      },
    });
    const kid = created.Data!['Kid']!;
    // What lib/api-functions.ts sets for an envelope stage (test/infra/envelope-signing.test.ts pins it).
    const envelope = {
      IDP_SIGNING_MODE: 'envelope',
      IDP_SIGNING_KEY_ID: 'initial',
      IDP_ENVELOPE_KEY_ARN: wrappingKey,
      IDP_STAGE_NAME: 'dev',
    };
    const { IDP_SIGNING_KEY_ARN: _arn, ...tokenEnv } = environmentOf('TokenFunction');
    const before = { ...kms.calls };
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    const event = httpEvent(
      'POST',
      '/oauth2/token',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      'grant_type=client_credentials&scope=admin%3Aread',
    );
    const answers = (await invokeBundle(stageBundle('TokenFunction'), { ...tokenEnv, ...envelope }, [
      event,
      event,
    ])) as {
      statusCode: number;
      body: string;
    }[];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    expect([kms.calls.Decrypt - before.Decrypt, kms.calls.Sign - before.Sign]).toEqual([1, 0]);

    const {
      IDP_SIGNING_KEY_ARN: _a,
      IDP_PUBLISHED_KEY_ARNS: _b,
      IDP_PUBLISHED_KEY_ALGS: _c,
      ...discoveryEnv
    } = environmentOf('DiscoveryFunction');
    const [jwks] = (await invokeBundle(
      stageBundle('DiscoveryFunction'),
      {
        ...discoveryEnv,
        IDP_SIGNING_MODE: 'envelope',
        IDP_STAGE_NAME: 'dev',
        IDP_TABLE_NAME: dynamo.tableName,
        IDP_PUBLISHED_KEY_IDS: 'initial',
        IDP_PUBLISHED_KEY_ID_ALGS: 'RS256',
      },
      [httpEvent('GET', '/.well-known/jwks.json', {})],
    )) as { statusCode: number; body: string }[];
    expect(jwks!.statusCode).toBe(200);
    const set = JSON.parse(jwks!.body) as { keys: { kid: string; alg: string }[] };
    expect(set.keys.map((k) => [k.kid, k.alg])).toEqual([[kid, 'RS256']]);
    for (const answer of answers) {
      const token = (JSON.parse(answer.body) as { access_token: string }).access_token;
      const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(set as never), {
        issuer: ISSUER,
        audience: `${ISSUER}/admin`,
        typ: 'at+jwt',
      });
      expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid });
    }
  });

  test('the sign-in bundle serves the pages: an unknown client gets the 400 page, never a redirect; the stylesheet; HEAD', async () => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'no-such-client',
      redirect_uri: 'https://app.example.com/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const pepperReads = secrets.reads[pepperArn] ?? 0;
    const results = (await invokeBundle(stageBundle('SignInFunction'), environmentOf('SignInFunction'), [
      httpEvent('GET', '/oauth2/authorize', {}, undefined, query),
      httpEvent('HEAD', '/oauth2/authorize', {}, undefined, query),
      httpEvent('GET', '/oauth2/assets/pages.css', {}),
      httpEvent('DELETE', '/oauth2/sign-in', {}),
    ])) as { statusCode: number; headers: Record<string, string>; body: string }[];
    const [page, head, css, wrongMethod] = results;
    // RFC 6749 §4.1.2.1: no redirect to an unverified redirect URI.
    expect(page!.statusCode).toBe(400);
    expect(page!.headers).not.toHaveProperty('Location');
    expect(page!.headers).toMatchObject({
      'Content-Type': 'text/html;charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
    expect(page!.headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(page!.body).toContain('This sign-in request is not valid');
    expect(head!.statusCode).toBe(400);
    expect(css!.statusCode).toBe(200);
    expect(css!.headers['Content-Type']).toMatch(/^text\/css/);
    expect(wrongMethod!.statusCode).toBe(405);
    expect(wrongMethod!.headers['Allow']).toBe('POST');
    // The pepper (for the KDF) is read once per cold start.
    expect(secrets.reads[pepperArn]).toBe(pepperReads + 1);
  });

  test('the console bundle carries the built app (the bundling hook) and serves index.html and a hashed asset', async () => {
    const dir = stageBundle('ConsoleFunction');
    copyFileSync(path.join(assetDir('ConsoleFunction'), 'console-assets.json'), path.join(dir, 'console-assets.json'));
    const assets = JSON.parse(readFileSync(path.join(dir, 'console-assets.json'), 'utf8')) as {
      files: Record<string, unknown>;
    };
    const script = Object.keys(assets.files).find((name) => /^main-[A-Z0-9]{8}\.js$/.test(name))!;
    expect(script).toBeDefined();
    const env = { ...environmentOf('ConsoleFunction'), LAMBDA_TASK_ROOT: dir };
    const [index, asset, root] = (await invokeBundle(dir, env, [
      httpEvent('GET', '/console/clients', {}),
      httpEvent('GET', `/console/assets/${script}`, {}),
      httpEvent('GET', '/console', {}),
    ])) as { statusCode: number; headers: Record<string, string>; body: string }[];
    expect(index!.statusCode).toBe(200);
    expect(index!.headers).toMatchObject({ 'Cache-Control': 'no-cache', 'X-Frame-Options': 'DENY' });
    expect(index!.headers['Content-Security-Policy']).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(index!.body).toContain(`src="/console/assets/${script}"`);
    expect(index!.body).toContain('&quot;stage&quot;:&quot;dev&quot;');
    expect(index!.body).toContain(`&quot;issuer&quot;:&quot;${ISSUER}&quot;`);
    expect([asset!.statusCode, asset!.headers['Cache-Control']]).toEqual([200, 'public, max-age=31536000, immutable']);
    expect([root!.statusCode, root!.headers['Location']]).toEqual([308, '/console/']);
  });

  test('the userinfo bundle answers a request without a token 401 with an RFC 6750 challenge', async () => {
    const [res] = (await invokeBundle(stageBundle('UserinfoFunction'), environmentOf('UserinfoFunction'), [
      httpEvent('GET', '/oauth2/userinfo', {}),
    ])) as { statusCode: number; headers: Record<string, string>; body: string }[];
    expect(res!.statusCode).toBe(401);
    expect(res!.headers['WWW-Authenticate']).toMatch(new RegExp(`^Bearer realm="${ISSUER}"`));
    expect(res!.headers['Cache-Control']).toBe('no-store');
  });
});
