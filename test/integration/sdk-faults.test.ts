/**
 * Faults injected at the SDK client, under the functions as composed for AWS (test/support/
 * fault-harness.ts: real adapters over dynalite, the KMS fake and the Secrets Manager fake, each SDK
 * client wrapped by faultyClient). The matrix (docs/contract.md, Errors and Problems):
 *
 * | path                         | transient fault (throttle, 5xx, no answer)                        | refusal (AccessDenied, disabled key, missing secret) |
 * | ---------------------------- | ------------------------------------------------------------------ | ---------------------------------------------------- |
 * | token (DynamoDB, KMS Sign)   | 503 `temporarily_unavailable`, `Retry-After: 1`, no-store, Pragma (Sign: after 4 attempts within 250 ms) | 500 `server_error` (no retry) |
 * | JWKS (KMS GetPublicKey)      | 503 `{"error":"temporarily_unavailable"}`, `Retry-After: 1`         | 500 `{"error":"server_error"}`                       |
 * | admin reads and every write  | 503 problem `service-unavailable`, `Retry-After: 1`; table as before | 500 problem `internal-error`                         |
 * | start (pepper)               | 503 of the function, warning naming the dependency                  | 503 of the function, error                           |
 * | bootstrap (Secrets, DynamoDB)| fails with a retry message, no stack; every step whole; rerun converges | fails with the refusal                           |
 *
 * Transient faults are logged as one warning naming the dependency, never an error; no body holds a
 * stack, an SDK error name or its message.
 */
import { verify } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { SIGN_RETRY_BUDGET } from '../../lambdas/adapters/kms-retry';
import { TemporarilyUnavailableError } from '../../lambdas/domain/errors';
import { oauthErrorResponse } from '../../lambdas/domain/endpoints/token-endpoint';
import { toResult } from '../../lambdas/handlers/api-gateway';
import {
  BootstrapUnavailableError,
  makeHandler as makeBootstrapHandler,
} from '../../lambdas/handlers/bootstrap-handler';
import { composeBootstrapDeps } from '../../lambdas/handlers/compose/bootstrap';
import { composeDiscoveryDeps } from '../../lambdas/handlers/compose/discovery';
import { httpEntry } from '../../lambdas/handlers/compose/http-entry';
import { composeTokenDeps } from '../../lambdas/handlers/compose/token';
import { makeHandler as makeDiscoveryHandler } from '../../lambdas/handlers/discovery-handler';
import { makeHandler as makeTokenHandler } from '../../lambdas/handlers/token-handler';
import { randomIds } from '../../lambdas/adapters/random-ids';
import type { AdminCall, CallAnswer, FaultHarness } from '../support/fault-harness';
import { FAULT_ISSUER, answerOf, capturingLogger, httpEvent, startFaultHarness } from '../support/fault-harness';
import { sdkFaults } from '../support/faulty-client';
import type { SdkFault } from '../support/faulty-client';

const { dynamodb, kms, secretsManager } = sdkFaults;
const STORE_TRANSIENT: SdkFault[] = [
  dynamodb.provisionedThroughputExceeded,
  dynamodb.throttling,
  dynamodb.internal,
  dynamodb.timeout,
  dynamodb.reset,
];
/** A transaction cancelled for throttling only happens to TransactWriteItems. */
const WRITE_TRANSIENT: SdkFault[] = [...STORE_TRANSIENT, dynamodb.transactionThrottled];
const STORE_REFUSALS: SdkFault[] = [dynamodb.accessDenied, dynamodb.tableMissing];
const KMS_TRANSIENT: SdkFault[] = [
  kms.throttling,
  kms.internal,
  kms.dependencyTimeout,
  kms.keyUnavailable,
  kms.timeout,
];
const KMS_REFUSALS: SdkFault[] = [kms.accessDenied, kms.disabled, kms.invalidState];
const READS = ['QueryCommand', 'GetCommand'];
const WRITES = ['TransactWriteCommand', 'PutCommand', 'DeleteCommand', 'UpdateCommand'];

const OAUTH_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};
const TOKEN_UNAVAILABLE = {
  status: 503,
  headers: { ...OAUTH_HEADERS, 'Retry-After': '1' },
  text: '{"error":"temporarily_unavailable","error_description":"the service is temporarily unavailable, retry later"}',
};
const TOKEN_SERVER_ERROR = {
  status: 500,
  headers: OAUTH_HEADERS,
  text: '{"error":"server_error","error_description":"internal server error"}',
};

/** Nothing internal in a body: no stack frame, no SDK error name or message. */
function expectNoLeak(answer: CallAnswer, fault: SdkFault): void {
  expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|stack|Exception|TimeoutError|ECONNRESET|ETIMEDOUT|arn:aws/);
  expect(answer.text).not.toContain(fault.error().message);
}

/** The warning of a transient fault: the dependency, whether it was a throttle, the SDK error in one line. */
function warning(message: string, dependency: string, fault: SdkFault) {
  const error = fault.error();
  const throttled = /Throughput|Throttl/.test(fault.name);
  return { level: 'warn', message, fields: { dependency, throttled, cause: `${error.name}: ${error.message}` } };
}

/** The warnings and errors logged (the admin API also logs one info line per request). */
const problems = (lines: { level: string }[]) => lines.filter((line) => line.level !== 'info');

let h: FaultHarness;
beforeAll(async () => {
  h = await startFaultHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.resetFaults());

describe('token endpoint', () => {
  const basic = () =>
    `Basic ${Buffer.from(`${encodeURIComponent(h.bootstrap.clientId)}:${encodeURIComponent(h.bootstrap.clientSecret)}`).toString('base64')}`;
  async function tokenFunction() {
    const logger = capturingLogger();
    const handler = makeTokenHandler({ ...(await composeTokenDeps(h.vars, h.sdk)), logger, observe: undefined });
    const request = async () =>
      answerOf(
        await handler(
          httpEvent(
            'POST',
            '/oauth2/token',
            { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
            'grant_type=client_credentials&scope=admin%3Aread',
          ),
        ),
      );
    return { request, logger };
  }

  it('healthy: 200 with a token, one Query and one Sign', async () => {
    const { request } = await tokenFunction();
    const answer = await request();
    expect(answer.status).toBe(200);
    expect(h.faulty.dynamodb.calls).toEqual({ QueryCommand: 1 });
    expect(h.faulty.kms.calls).toEqual({ SignCommand: 1 });
  });

  it.each(STORE_TRANSIENT.map((f) => [f.name, f]))('DynamoDB %s → 503, nothing signed, a warning', async (_, fault) => {
    const { request, logger } = await tokenFunction();
    h.faulty.dynamodb.fail({ fault, commands: ['QueryCommand'] });
    const answer = await request();
    expect(answer).toEqual({ ...TOKEN_UNAVAILABLE, body: JSON.parse(TOKEN_UNAVAILABLE.text) });
    expectNoLeak(answer, fault);
    expect(h.faulty.kms.calls).toEqual({});
    expect(logger.lines).toEqual([warning('dependency unavailable', 'store', fault)]);
    expect((await request()).status).toBe(200);
  });

  it.each(KMS_TRANSIENT.map((f) => [f.name, f]))(
    'KMS Sign %s on every attempt → 4 Signs within the budget, then 503 with Retry-After, a warning',
    async (_, fault) => {
      const { request, logger } = await tokenFunction();
      h.faulty.kms.fail({ fault, commands: ['SignCommand'], times: SIGN_RETRY_BUDGET.maxAttempts });
      const started = Date.now();
      const answer = await request();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(answer).toEqual({ ...TOKEN_UNAVAILABLE, body: JSON.parse(TOKEN_UNAVAILABLE.text) });
      expectNoLeak(answer, fault);
      expect(h.faulty.kms.calls).toEqual({ SignCommand: 4 });
      expect(logger.lines).toEqual([warning('dependency unavailable', 'signer', fault)]);
      expect((await request()).status).toBe(200);
    },
  );

  it('ThrottlingException from the KMS protocol fake (as the SDK parses it off the wire) → 4 Signs, then 503 with Retry-After', async () => {
    const { request, logger } = await tokenFunction();
    const before = h.kms.calls.Sign;
    h.kms.failNext('Sign', 'throttle', SIGN_RETRY_BUDGET.maxAttempts);
    const answer = await request();
    expect(answer).toEqual({ ...TOKEN_UNAVAILABLE, body: JSON.parse(TOKEN_UNAVAILABLE.text) });
    expect(h.kms.calls.Sign - before).toBe(4);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'dependency unavailable',
        fields: { dependency: 'signer', throttled: true, cause: 'ThrottlingException: Rate exceeded' },
      },
    ]);
    expect((await request()).status).toBe(200);
  });

  it.each(KMS_TRANSIENT.map((f) => [f.name, f]))(
    'KMS Sign %s that clears within the budget → retried, 200 with a token that verifies',
    async (_, fault) => {
      const { request, logger } = await tokenFunction();
      h.faulty.kms.fail({ fault, commands: ['SignCommand'], times: 2 });
      const answer = await request();
      expect(answer.status).toBe(200);
      expect(h.faulty.kms.calls).toEqual({ SignCommand: 3 });
      expect(logger.lines).toEqual([]);
      const token = (answer.body as { access_token: string }).access_token;
      const [header = '', payload = '', signature = ''] = token.split('.');
      const ok = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        h.kms.publicKey(h.keyId),
        Buffer.from(signature, 'base64url'),
      );
      expect(ok).toBe(true);
    },
  );

  it.each([
    ...STORE_REFUSALS.map((f) => ['DynamoDB', f.name, f, 'QueryCommand', 'store'] as const),
    ...KMS_REFUSALS.map((f) => ['KMS', f.name, f, 'SignCommand', 'signer'] as const),
  ])('%s %s (a refusal) → 500 server_error, an error logged', async (_, __, fault, command, dependency) => {
    const { request, logger } = await tokenFunction();
    (command === 'SignCommand' ? h.faulty.kms : h.faulty.dynamodb).fail({ fault, commands: [command] });
    const answer = await request();
    expect(answer).toEqual({ ...TOKEN_SERVER_ERROR, body: JSON.parse(TOKEN_SERVER_ERROR.text) });
    expectNoLeak(answer, fault);
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: 'unexpected error at the token endpoint',
        fields: { error: `Error: ${dependency} call refused: ${fault.error().name}` },
      },
    ]);
  });

  it.each([
    [secretsManager.timeout.name, secretsManager.timeout, true],
    [secretsManager.internal.name, secretsManager.internal, true],
    [secretsManager.throttling.name, secretsManager.throttling, true],
    [secretsManager.accessDenied.name, secretsManager.accessDenied, false],
    [secretsManager.notFound.name, secretsManager.notFound, false],
  ] as const)('the pepper read at start: %s → the function’s 503, then it starts', async (_, fault, transient) => {
    const logger = capturingLogger();
    const entry = httpEntry({
      name: 'token',
      vars: h.vars,
      compose: (vars) => composeTokenDeps(vars, h.sdk),
      make: (deps) => makeTokenHandler({ ...deps, logger, observe: undefined }),
      unavailable: () => toResult(oauthErrorResponse(new TemporarilyUnavailableError(), FAULT_ISSUER)),
      logger,
    });
    h.faulty.secretsManager.fail({ fault });
    const event = httpEvent(
      'POST',
      '/oauth2/token',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      'grant_type=client_credentials&scope=admin%3Aread',
    );
    const first = answerOf(await entry(event));
    expect(first).toEqual({ ...TOKEN_UNAVAILABLE, body: JSON.parse(TOKEN_UNAVAILABLE.text) });
    expectNoLeak(first, fault);
    expect(logger.lines).toEqual([
      transient
        ? warning('token handler initialisation failed: dependency unavailable', 'pepper', fault)
        : {
            level: 'error',
            message: 'token handler initialisation failed',
            fields: { error: `Error: pepper call refused: ${fault.error().name}` },
          },
    ]);
    expect(answerOf(await entry(event)).status).toBe(200);
  });
});

describe('JWKS', () => {
  async function jwks() {
    const logger = capturingLogger();
    const handler = makeDiscoveryHandler({ ...(await composeDiscoveryDeps(h.vars, h.sdk)), logger });
    return { get: async () => answerOf(await handler(httpEvent('GET', '/.well-known/jwks.json'))), logger };
  }

  it.each(KMS_TRANSIENT.map((f) => [f.name, f]))(
    'GetPublicKey %s → 503 with Retry-After, then the keys',
    async (_, fault) => {
      const { get, logger } = await jwks();
      h.faulty.kms.fail({ fault, commands: ['GetPublicKeyCommand'] });
      const answer = await get();
      expect(answer).toEqual({
        status: 503,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '1', 'Cache-Control': 'no-store' },
        text: '{"error":"temporarily_unavailable"}',
        body: { error: 'temporarily_unavailable' },
      });
      expectNoLeak(answer, fault);
      expect(logger.lines).toEqual([warning('JWKS unavailable', 'signer', fault)]);
      // The failed read is not cached: the next request fetches the key.
      const next = await get();
      expect(next.status).toBe(200);
      expect(next.headers['Cache-Control']).toBe('public, max-age=300');
    },
  );

  it.each(KMS_REFUSALS.map((f) => [f.name, f]))(
    'GetPublicKey %s (a refusal) → 500, an error logged',
    async (_, fault) => {
      const { get, logger } = await jwks();
      h.faulty.kms.fail({ fault, commands: ['GetPublicKeyCommand'] });
      const answer = await get();
      expect(answer).toEqual({
        status: 500,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        text: '{"error":"server_error"}',
        body: { error: 'server_error' },
      });
      expect(logger.lines).toEqual([
        {
          level: 'error',
          message: 'JWKS unavailable',
          fields: { error: `Error: signer call refused: ${fault.error().name}` },
        },
      ]);
    },
  );
});

describe('admin API', () => {
  let admin: Awaited<ReturnType<FaultHarness['admin']>>;
  let other: AdminCall;
  /** Fixtures: `spare` (an API without rules), `granted` (an API client `m` holds a rule on), `victim` (a client). */
  const fx = {
    spare: 'https://spare.faults.test',
    granted: 'https://granted.faults.test',
    m: '',
    victim: '',
    secretId: '',
  };
  const enc = encodeURIComponent;

  beforeAll(async () => {
    admin = await h.admin('sdk');
    other = (await h.admin('plain')).call;
    const scopes = [{ value: 'read' }, { value: 'write' }];
    expect((await other('POST', '/admin/apis', { identifier: fx.spare, name: 'Spare', scopes })).status).toBe(201);
    expect((await other('POST', '/admin/apis', { identifier: fx.granted, name: 'Granted', scopes })).status).toBe(201);
    const client = (name: string) =>
      other('POST', '/admin/clients', {
        name,
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
    const m = (await client('matrix')).body as { client: { clientId: string }; secret: { id: string } };
    fx.m = m.client.clientId;
    fx.victim = ((await client('victim')).body as { client: { clientId: string } }).client.clientId;
    fx.secretId = ((await other('POST', `/admin/clients/${fx.m}/secrets`, {})).body as { id: string }).id;
    expect(
      (await other('POST', `/admin/clients/${fx.m}/rules`, { audience: fx.granted, scopes: ['read'] })).status,
    ).toBe(201);
  });

  /** Every admin read, and every kind of write with a body that changes something. */
  const reads = () =>
    [
      ['list APIs', 'GET', '/admin/apis'],
      ['get API', 'GET', `/admin/apis/${enc(fx.granted)}`],
      ['list clients', 'GET', '/admin/clients?q=matrix'],
      ['get client', 'GET', `/admin/clients/${fx.m}`],
      ['list secrets', 'GET', `/admin/clients/${fx.m}/secrets`],
      ['list rules', 'GET', `/admin/clients/${fx.m}/rules`],
      ['get rule', 'GET', `/admin/clients/${fx.m}/rules/${enc(fx.granted)}`],
      ['audit trail', 'GET', '/admin/audit'],
    ] as const;
  const writes = () =>
    [
      [
        'create API',
        'POST',
        '/admin/apis',
        { identifier: 'https://new.faults.test', name: 'New', scopes: [{ value: 'x' }] },
      ],
      ['update API', 'PATCH', `/admin/apis/${enc(fx.spare)}`, { name: 'Renamed' }],
      ['delete API', 'DELETE', `/admin/apis/${enc(fx.spare)}`, undefined],
      [
        'create client',
        'POST',
        '/admin/clients',
        { name: 'n', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_post' },
      ],
      ['update client', 'PATCH', `/admin/clients/${fx.m}`, { name: 'matrix renamed' }],
      ['delete client', 'DELETE', `/admin/clients/${fx.victim}`, undefined],
      ['add secret', 'POST', `/admin/clients/${fx.m}/secrets`, {}],
      ['revoke secret', 'DELETE', `/admin/clients/${fx.m}/secrets/${fx.secretId}`, undefined],
      ['put rule', 'POST', `/admin/clients/${fx.m}/rules`, { audience: fx.granted, scopes: ['read', 'write'] }],
      ['delete rule', 'DELETE', `/admin/clients/${fx.m}/rules/${enc(fx.granted)}`, undefined],
    ] as const;

  const unavailable = (path: string) => ({
    status: 503,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', 'Retry-After': '1' },
    body: {
      type: 'https://serverless-idp.dev/problems/service-unavailable',
      title: 'The service is temporarily unavailable',
      status: 503,
      detail: 'the store is temporarily unavailable; retry',
      instance: path.split('?')[0],
    },
  });

  it('reads: every transient fault on the first read → 503 service-unavailable, a warning each', async () => {
    let cases = 0;
    for (const [, method, path] of reads()) {
      for (const fault of STORE_TRANSIENT) {
        admin.logger.lines.length = 0;
        h.faulty.dynamodb.fail({ fault, commands: READS });
        const answer = await admin.call(method, path);
        expect({
          path,
          fault: fault.name,
          answer: { status: answer.status, headers: answer.headers, body: answer.body },
        }).toEqual({
          path,
          fault: fault.name,
          answer: unavailable(path),
        });
        expectNoLeak(answer, fault);
        expect(problems(admin.logger.lines)).toEqual([warning('dependency unavailable', 'store', fault)]);
        cases += 1;
      }
      h.resetFaults();
      expect({ path, status: (await admin.call(method, path)).status }).toEqual({ path, status: 200 });
    }
    expect(cases).toBe(reads().length * STORE_TRANSIENT.length);
  });

  it('writes: every transient fault on the read before it, or on the write itself → 503, and the table holds exactly what it held', async () => {
    let cases = 0;
    for (const [name, method, path, body] of writes()) {
      // Creating an API or a client reads nothing first: its one write is its only call.
      const blind = name === 'create API' || name === 'create client';
      for (const [phase, commands, faults] of [
        ['read', READS, blind ? [] : STORE_TRANSIENT],
        ['write', WRITES, WRITE_TRANSIENT],
      ] as const) {
        for (const fault of faults) {
          const before = await h.scan();
          admin.logger.lines.length = 0;
          h.faulty.dynamodb.reset();
          h.faulty.dynamodb.fail({ fault, commands });
          const answer = await admin.call(method, path, body);
          expect({
            name,
            phase,
            fault: fault.name,
            injected: Object.values(h.faulty.dynamodb.injected).length,
          }).toEqual({
            name,
            phase,
            fault: fault.name,
            injected: 1,
          });
          expect({
            name,
            phase,
            fault: fault.name,
            answer: { status: answer.status, headers: answer.headers, body: answer.body },
          }).toEqual({
            name,
            phase,
            fault: fault.name,
            answer: unavailable(path),
          });
          expectNoLeak(answer, fault);
          expect(problems(admin.logger.lines)).toEqual([warning('dependency unavailable', 'store', fault)]);
          expect(await h.scan()).toEqual(before);
          cases += 1;
        }
      }
    }
    expect(cases).toBe((writes().length - 2) * STORE_TRANSIENT.length + writes().length * WRITE_TRANSIENT.length);
  });

  it('a refusal (AccessDenied, a missing table) on a read or a write → 500 internal-error, an error logged, nothing written', async () => {
    const cases = [
      ...reads().map(([name, method, path]) => [name, method, path, undefined, READS] as const),
      ...writes().map(([name, method, path, body]) => [name, method, path, body, WRITES] as const),
    ];
    for (const [name, method, path, body, commands] of cases) {
      for (const fault of STORE_REFUSALS) {
        const before = await h.scan();
        admin.logger.lines.length = 0;
        h.faulty.dynamodb.reset();
        h.faulty.dynamodb.fail({ fault, commands });
        const answer = await admin.call(method, path, body);
        expect({ name, fault: fault.name, status: answer.status, headers: answer.headers, body: answer.body }).toEqual({
          name,
          fault: fault.name,
          status: 500,
          headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
          body: {
            type: 'https://serverless-idp.dev/problems/internal-error',
            title: 'Internal server error',
            status: 500,
            detail: 'internal server error',
            instance: path.split('?')[0],
          },
        });
        expectNoLeak(answer, fault);
        expect(problems(admin.logger.lines)).toEqual([
          {
            level: 'error',
            message: 'unexpected error in the admin API',
            fields: { error: `Error: store call refused: ${fault.error().name}` },
          },
        ]);
        expect(await h.scan()).toEqual(before);
      }
    }
  });

  it('the answer of a write lost after it committed: 503, and the change landed whole, with its audit event', async () => {
    for (const [name, method, path, body] of writes().filter(([n]) =>
      ['create API', 'put rule', 'update client'].includes(n),
    )) {
      const before = await h.scan();
      h.faulty.dynamodb.reset();
      h.faulty.dynamodb.fail({ fault: dynamodb.reset, commands: ['TransactWriteCommand'], when: 'after' });
      expect({ name, status: (await admin.call(method, path, body)).status }).toEqual({ name, status: 503 });
      const after = await h.scan();
      const audits = (items: Record<string, unknown>[]) => items.filter((i) => i['pk'] === 'AUDIT');
      const rest = (items: Record<string, unknown>[]) => JSON.stringify(items.filter((i) => i['pk'] !== 'AUDIT'));
      expect({
        name,
        changed: rest(after) !== rest(before),
        audited: audits(after).length - audits(before).length,
      }).toEqual({
        name,
        changed: true,
        audited: 1,
      });
    }
  });
});

describe('bootstrap custom resource', () => {
  let secretArn: string;
  const credentials = { clientId: `admin-${randomIds.clientId()}`, clientSecret: randomIds.clientSecret() };
  const event = (): CloudFormationCustomResourceEvent => ({
    RequestType: 'Update',
    ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:local:000000000000:stack/serverless-idp-dev-api/uuid',
    RequestId: 'request-1',
    LogicalResourceId: 'Bootstrap',
    ResourceType: 'Custom::IdpBootstrap',
    PhysicalResourceId: `serverless-idp-bootstrap-${credentials.clientId}`,
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider',
      Issuer: FAULT_ISSUER,
      TableName: h.dynamo.tableName,
      BootstrapSecretArn: secretArn,
      PepperSecretArn: h.vars['IDP_PEPPER_SECRET_ARN']!,
    },
    OldResourceProperties: { ServiceToken: 'arn:aws:lambda:local:000000000000:function:provider' },
  });
  function bootstrapFunction() {
    const logger = capturingLogger();
    return { run: () => makeBootstrapHandler({ ...composeBootstrapDeps(h.sdk), logger })(event()), logger };
  }
  /** The bootstrap client's items, secret ids normalised. */
  const bootstrapItems = async () =>
    (await h.scan())
      .filter((i) => i['pk'] === `CLIENT#${credentials.clientId}`)
      .map((i) => String(i['sk']).replace(/^SECRET#sec_bootstrap_.*/, 'SECRET#sec_bootstrap_…'));

  beforeAll(async () => {
    secretArn = h.secrets.put('serverless-idp-faults-bootstrap', JSON.stringify(credentials));
    expect((await bootstrapFunction().run()).Data?.['CreatedClient']).toBe('true');
  });

  it.each([
    [secretsManager.timeout, 0, 'secret'],
    [secretsManager.internal, 0, 'secret'],
    [secretsManager.reset, 1, 'pepper'],
    [secretsManager.throttling, 1, 'pepper'],
  ] as const)(
    'Secrets Manager %s (read %s) → fails with a retry message and no stack; nothing written',
    async (fault, skip, dependency) => {
      const before = await h.scan();
      const { run, logger } = bootstrapFunction();
      h.faulty.secretsManager.fail({ fault, skip });
      const failure = await run().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(BootstrapUnavailableError);
      expect((failure as Error).message).toBe(`the ${dependency} is temporarily unavailable; retry the deployment`);
      expect((failure as Error).stack).toBe(`BootstrapUnavailableError: ${(failure as Error).message}`);
      expect(logger.lines).toEqual([warning('bootstrap: dependency unavailable', dependency, fault)]);
      expect(await h.scan()).toEqual(before);
    },
  );

  it.each(
    [secretsManager.notFound, secretsManager.accessDenied, secretsManager.decryptionFailure].map(
      (f) => [f.name, f] as const,
    ),
  )('Secrets Manager %s (a refusal) → fails with the refusal, no warning', async (_, fault) => {
    const { run, logger } = bootstrapFunction();
    h.faulty.secretsManager.fail({ fault });
    await expect(run()).rejects.toThrow(`secret call refused: ${fault.error().name}`);
    expect(logger.lines).toEqual([]);
  });

  it('a new secret value, and DynamoDB failing between its steps: each step lands whole, and the retried deployment converges', async () => {
    credentials.clientSecret = randomIds.clientSecret();
    secretArn = h.secrets.put('serverless-idp-faults-bootstrap', JSON.stringify(credentials));
    const healthy = await bootstrapItems();
    // The writes of a rotation: put the new secret, revoke the old one. Fail the second.
    const { run, logger } = bootstrapFunction();
    h.faulty.dynamodb.fail({ fault: dynamodb.throttling, commands: WRITES, skip: 1 });
    await expect(run()).rejects.toThrow('the store is temporarily unavailable; retry the deployment');
    expect(logger.lines).toEqual([warning('bootstrap: dependency unavailable', 'store', dynamodb.throttling)]);
    // The new secret landed, the old one is still there: both whole items.
    expect(await bootstrapItems()).toEqual([...healthy, 'SECRET#sec_bootstrap_…'].sort());
    h.resetFaults();
    const retried = await bootstrapFunction().run();
    expect(retried.Data).toMatchObject({ RegisteredSecret: 'false' });
    expect(await bootstrapItems()).toEqual(healthy);
  });
});
