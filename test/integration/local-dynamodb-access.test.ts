/**
 * The embedded DynamoDB answers only the process that started it: every request must carry a SigV4
 * signature made with the credential generated at that start. Any other local user pointing a
 * DynamoDB client at a port of the process (whatever credentials) is refused before the database
 * sees the request, and the database itself has no listener of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamoDb } from '../../lambdas/local/local-dynamodb';
import type { LocalDynamoDb } from '../../lambdas/local/local-dynamodb';
import { LOCAL_TABLE_NAME } from '../../lambdas/local/local-idp';
import { canListListeningPorts, listeningPorts } from '../support/listening-ports';
import { registerClient, startTestIdp } from '../support/local-idp';

const STRANGERS = [
  { accessKeyId: 'local', secretAccessKey: 'local' },
  { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
];

/** A Scan from a stranger's client; resolves to the SDK error (or to the output, if one got through). */
async function strangerScan(endpoint: string, credentials: (typeof STRANGERS)[number], tableName: string) {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials, maxAttempts: 1 });
  try {
    return await client.send(new ScanCommand({ TableName: tableName })).catch((err: unknown) => err);
  } finally {
    client.destroy();
  }
}

describe('the local DynamoDB front', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await startLocalDynamoDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it("answers a client signing with this start's credential", async () => {
    const own = new DynamoDBClient({ endpoint: db.endpoint, region: db.region, credentials: db.credentials });
    try {
      expect((await own.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      own.destroy();
    }
  });

  it('generates a fresh credential at every start', async () => {
    const other = await startLocalDynamoDb();
    try {
      expect(other.credentials.accessKeyId).not.toBe(db.credentials.accessKeyId);
      expect(other.credentials.secretAccessKey).not.toBe(db.credentials.secretAccessKey);
      expect(db.credentials.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    } finally {
      await other.close();
    }
  });

  it('refuses an unknown access key id (400 UnrecognizedClientException)', async () => {
    for (const credentials of STRANGERS) {
      const err = await strangerScan(db.endpoint, credentials, 'any');
      expect(err).toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 400 } });
    }
  });

  it('refuses the right access key id signed with another secret (400 InvalidSignatureException)', async () => {
    const err = await strangerScan(
      db.endpoint,
      { accessKeyId: db.credentials.accessKeyId, secretAccessKey: `${db.credentials.secretAccessKey}x` },
      'any',
    );
    expect(err).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses an unsigned request (400 MissingAuthenticationTokenException)', async () => {
    const res = await fetch(db.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('MissingAuthenticationTokenException');
  });
});

(canListListeningPorts ? describe : describe.skip)('every port the local IdP opens', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'idp-access-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a stranger’s Scan and returns no items, while the server’s own client works', async () => {
    const before = new Set(await listeningPorts());
    const idp = await startTestIdp({ dataDir });
    try {
      const seeded = await registerClient(idp, { clientId: 'seeded', rules: [] });
      const opened = (await listeningPorts()).filter((port) => !before.has(port));
      // At least the IdP's HTTP server and the DynamoDB front.
      expect(opened.length).toBeGreaterThanOrEqual(2);
      for (const port of opened) {
        for (const credentials of STRANGERS) {
          const answer = await strangerScan(`http://127.0.0.1:${port}`, credentials, LOCAL_TABLE_NAME);
          expect({ port, refused: answer instanceof Error }).toEqual({ port, refused: true });
          expect((answer as { Items?: unknown }).Items).toBeUndefined();
        }
      }
      expect((await idp.repositories.clients.loadClientBundle(seeded.clientId))?.client.clientId).toBe('seeded');
    } finally {
      await idp.stop();
    }
  });
});
