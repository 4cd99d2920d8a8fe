/**
 * The deploy-time bootstrap custom resource (lambdas/handlers/bootstrap-handler.ts) against dynalite:
 * Create registers the admin API and the bootstrap client (which can then authenticate), Update is
 * idempotent or registers a changed secret, the first admin person comes from its secret once, Delete
 * leaves the data alone, bad secrets fail without echoing their value.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { HmacSecretHasher } from '../../../lambdas/adapters/hmac-secret-hasher';
import { randomIds } from '../../../lambdas/adapters/random-ids';
import { ScryptPasswordKdf } from '../../../lambdas/adapters/scrypt-password-kdf';
import { TEST_SCRYPT_PARAMS } from '../../support/in-memory-admin-repositories';
import { ADMIN_READ, ADMIN_WRITE } from '../../../lambdas/domain/bootstrap';
import type { Logger } from '../../../lambdas/domain/ports';
import type { BootstrapHandlerDeps } from '../../../lambdas/handlers/bootstrap-handler';
import { makeHandler } from '../../../lambdas/handlers/bootstrap-handler';
import type { TestDynamo } from '../../support/dynalite';
import { startTestDynamo } from '../../support/dynalite';

const ISSUER = 'https://idp.example.com';
const BOOTSTRAP_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:bootstrap-AbCdEf';
const PEPPER_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:pepper-AbCdEf';
const PERSON_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-person-AbCdEf';

let dynamo: TestDynamo;
const secretValues = new Map<string, string>();
const pepper = Buffer.from(randomIds.clientSecret(), 'utf8');
const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = {
  info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
  warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
  error: (message, fields) => logs.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
};

function deps(): BootstrapHandlerDeps {
  return {
    readSecretString: async (id) => {
      const value = secretValues.get(id);
      if (value === undefined) throw new Error(`no secret ${id}`);
      return value;
    },
    loadPepper: async (id) => {
      if (id !== PEPPER_ARN) throw new Error(`no secret ${id}`);
      return pepper;
    },
    repositoriesFor: (tableName) => {
      expect(tableName).toBe(dynamo.tableName);
      return dynamo;
    },
    kdfFor: (key) => new ScryptPasswordKdf(key, TEST_SCRYPT_PARAMS),
    clock: { now: () => Date.parse('2026-01-01T00:00:00Z') },
    ids: randomIds,
    logger,
  };
}

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, string> = {},
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/serverless-idp-dev-api/uuid',
    RequestId: 'request-1',
    LogicalResourceId: 'Bootstrap',
    ResourceType: 'Custom::IdpBootstrap',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
      Issuer: ISSUER,
      TableName: dynamo.tableName,
      BootstrapSecretArn: BOOTSTRAP_ARN,
      PepperSecretArn: PEPPER_ARN,
      ...properties,
    },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  const physical = {
    PhysicalResourceId: 'serverless-idp-bootstrap-admin-1',
    OldResourceProperties: base.ResourceProperties,
  };
  return requestType === 'Update'
    ? { ...base, ...physical, RequestType: 'Update' }
    : { ...base, ...physical, RequestType: 'Delete' };
}

beforeAll(async () => {
  dynamo = await startTestDynamo('serverless-idp-bootstrap-cr');
});

afterAll(async () => {
  await dynamo?.close();
});

beforeEach(() => {
  logs.length = 0;
  dynamo.resetCalls();
});

describe('bootstrap custom resource', () => {
  const clientId = 'admin-6f1c2d3e-0000-4000-8000-000000000001';
  const firstSecret = randomIds.clientSecret();

  test('Create registers the admin API and the bootstrap client with both admin scopes', async () => {
    secretValues.set(BOOTSTRAP_ARN, JSON.stringify({ clientId, clientSecret: firstSecret }));
    const response = await makeHandler(deps())(event('Create'));
    expect(response).toEqual({
      PhysicalResourceId: `serverless-idp-bootstrap-${clientId}`,
      Data: { ClientId: clientId, CreatedApi: 'true', CreatedClient: 'true', RegisteredSecret: 'true' },
    });
    expect(await dynamo.apis.apiExists(`${ISSUER}/admin`)).toBe(true);
    const bundle = await dynamo.clients.loadClientBundle(clientId);
    expect(bundle?.client).toMatchObject({
      clientId,
      status: 'enabled',
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    expect(bundle?.rules.map((r) => [r.audience, r.scopes])).toEqual([[`${ISSUER}/admin`, [ADMIN_READ, ADMIN_WRITE]]]);
    // Stored only as the peppered hash: the secret from Secrets Manager verifies against it.
    const hasher = new HmacSecretHasher(pepper);
    expect(bundle?.secrets).toHaveLength(1);
    expect(hasher.equal(bundle!.secrets[0]!.hash, hasher.hash(firstSecret))).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(firstSecret);
  });

  test('Update with the same credentials changes nothing', async () => {
    const response = await makeHandler(deps())(event('Update'));
    expect(response.Data).toEqual({
      ClientId: clientId,
      CreatedApi: 'false',
      CreatedClient: 'false',
      RegisteredSecret: 'false',
    });
    expect((await dynamo.clients.loadClientBundle(clientId))?.secrets).toHaveLength(1);
  });

  test('Update after the secret value changed registers the new secret and revokes the old one', async () => {
    const secondSecret = randomIds.clientSecret();
    secretValues.set(BOOTSTRAP_ARN, JSON.stringify({ clientId, clientSecret: secondSecret }));
    const response = await makeHandler(deps())(event('Update'));
    expect(response.Data?.['RegisteredSecret']).toBe('true');
    const hasher = new HmacSecretHasher(pepper);
    const hashes = (await dynamo.clients.loadClientBundle(clientId))!.secrets.map((s) => s.hash);
    expect(hashes.some((h) => hasher.equal(h, hasher.hash(secondSecret)))).toBe(true);
    // Rotating the Secrets Manager value cuts the previous (possibly leaked) value off.
    expect(hashes.some((h) => hasher.equal(h, hasher.hash(firstSecret)))).toBe(false);
    expect(hashes).toHaveLength(1);
  });

  test('Delete keeps the data and touches neither the table nor the secrets', async () => {
    const response = await makeHandler({
      ...deps(),
      readSecretString: () => Promise.reject(new Error('must not read')),
      loadPepper: () => Promise.reject(new Error('must not read')),
    })(event('Delete'));
    expect(response).toEqual({ PhysicalResourceId: 'serverless-idp-bootstrap-admin-1' });
    expect(dynamo.calls).toEqual({});
    expect(await dynamo.clients.loadClientBundle(clientId)).toBeDefined();
  });

  test('a malformed or weak bootstrap secret fails the deployment without echoing the value', async () => {
    const weak = 'short-secret-value';
    secretValues.set(BOOTSTRAP_ARN, JSON.stringify({ clientId, clientSecret: weak }));
    const failure = makeHandler(deps())(event('Create'));
    await expect(failure).rejects.toThrow('bootstrap secret has no clientSecret of at least 32 characters');
    await failure.catch((err: Error) => expect(err.message).not.toContain(weak));
    secretValues.set(BOOTSTRAP_ARN, `{"clientId": "${clientId}", "clientSecret": "${firstSecret}"`);
    const notJson = makeHandler(deps())(event('Create'));
    await expect(notJson).rejects.toThrow('bootstrap secret is not JSON');
    await notJson.catch((err: Error) => expect(err.message).not.toContain(firstSecret));
  });

  test('with AdminPersonSecretArn: the first admin person, once, from the secret; never logged', async () => {
    const password = 'Sm9mT2hRd2VydHlVaW9wQXNkZmdo';
    secretValues.set(PERSON_ARN, JSON.stringify({ username: 'admin', password }));
    secretValues.set(BOOTSTRAP_ARN, JSON.stringify({ clientId, clientSecret: firstSecret }));
    const response = await makeHandler(deps())(event('Update', { AdminPersonSecretArn: PERSON_ARN }));
    expect(response.Data).toMatchObject({ ClientId: clientId, CreatedAdminPerson: 'true' });
    const person = await dynamo.users.findByUsername('admin');
    expect(person?.user.status).toBe('enabled');
    expect(person?.grants.map((g) => [g.audience, g.scopes])).toEqual([[`${ISSUER}/admin`, [ADMIN_READ, ADMIN_WRITE]]]);
    const kdf = new ScryptPasswordKdf(pepper, TEST_SCRYPT_PARAMS);
    expect(await kdf.verify(password, person!.user.password!)).toBe(true);
    // The built-in console client came with the same run.
    expect((await dynamo.clients.loadClientBundle('idp-console'))?.client.redirectUris).toEqual([
      `${ISSUER}/console/callback`,
    ]);
    expect(JSON.stringify(logs)).not.toContain(password);

    // A later deploy: users exist, nothing is made again (also after the person was deleted).
    await dynamo.users.deleteUser(person!.user.userId, person!.user.version, {
      eventId: 'e-del',
      at: '2026-01-02T00:00:00.000Z',
      actor: 'test',
      actorJti: 'test',
      action: 'user.delete',
      targetType: 'user',
      targetId: person!.user.userId,
      diff: {},
    });
    await dynamo.users.createUser({ ...person!.user, userId: 'u-other', username: 'other' });
    const again = await makeHandler(deps())(event('Update', { AdminPersonSecretArn: PERSON_ARN }));
    expect(again.Data?.['CreatedAdminPerson']).toBe('false');
    expect(await dynamo.users.findByUsername('admin')).toBeUndefined();
  });

  test('a malformed admin person secret fails without echoing the value', async () => {
    secretValues.set(PERSON_ARN, JSON.stringify({ username: 'root', password: 'Sm9mT2hRd2VydHlVaW9w' }));
    const wrongName = makeHandler(deps())(event('Update', { AdminPersonSecretArn: PERSON_ARN }));
    await expect(wrongName).rejects.toThrow('admin person secret has no username admin');
    secretValues.set(PERSON_ARN, '{"username": "admin", "password": "Sm9mT2hRd2VydHlVaW9w"');
    const notJson = makeHandler(deps())(event('Update', { AdminPersonSecretArn: PERSON_ARN }));
    await expect(notJson).rejects.toThrow('admin person secret is not JSON');
    await notJson.catch((err: Error) => expect(err.message).not.toContain('Sm9mT2hRd2VydHlVaW9w'));
  });

  test('a missing resource property fails with its name', async () => {
    await expect(makeHandler(deps())(event('Create', { TableName: '' }))).rejects.toThrow(
      'resource property TableName is required',
    );
  });
});
