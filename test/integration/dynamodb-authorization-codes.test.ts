/**
 * Authorization codes and the deny-list on DynamoDB (dynalite through the local runtime's front): the
 * item layout, redemption as ONE conditional UpdateItem (20 concurrent redemptions, exactly one wins,
 * through the adapter and through the token endpoint), reused vs unknown on the failure path — from
 * the old image DynamoDB returns with ReturnValuesOnConditionCheckFailure, or from one consistent
 * GetItem where dynalite returns none — and the cost of a code exchange counted in SDK calls.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuthorizationCodeRepository } from '../../lambdas/adapters/dynamodb-authorization-code-repository';
import { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';
import { randomIds } from '../../lambdas/adapters/random-ids';
import { TokenEndpoint } from '../../lambdas/domain/endpoints/token-endpoint';
import { ConflictError } from '../../lambdas/domain/errors';
import { codeDigest } from '../../lambdas/domain/grants/authorization-code-grant';
import type { AuthorizationCode } from '../../lambdas/domain/people/model';
import { silentLogger } from '../../lambdas/domain/ports';
import { ALICE, REDIRECT_URI, RFC7636_CHALLENGE, codeRequest, createCode, userRule } from '../support/code-flow';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';
import { InMemoryUserRepository, inMemoryPeople } from '../support/in-memory-people';
import { ISSUER, TestSigner, makeClient } from '../support/in-memory';

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const ISSUED = { accessTokenJti: 'jti-first', accessTokenExp: Math.floor(T0 / 1000) + 3600 };

function code(digest: string, extra: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    digest,
    clientId: 'spa',
    redirectUri: REDIRECT_URI,
    codeChallenge: RFC7636_CHALLENGE,
    userId: ALICE.userId,
    scopes: ['openid', 'orders:read'],
    audience: 'https://api.example.com',
    nonce: 'n-1',
    authTime: Math.floor(T0 / 1000) - 60,
    sessionId: 'sid-1',
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 60_000).toISOString(),
    ...extra,
  };
}

describe('DynamoDbAuthorizationCodeRepository', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
    // A code is created only for an enabled user (a ConditionCheck in its transaction).
    await db.users.createUser(structuredClone(ALICE));
  });
  afterAll(async () => db.close());
  beforeEach(() => db.resetCalls());

  it('stores a code under CODE#<digest> with a cleanup ttl; a second one with the digest → ConflictError', async () => {
    const stored = code('d-layout', { audience: undefined });
    await db.codes.createCode(stored);
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'CODE#d-layout', sk: 'CODE' } }),
    );
    expect(Item).toEqual({
      ...stored,
      pk: 'CODE#d-layout',
      sk: 'CODE',
      type: 'code',
      ttl: Math.ceil(Date.parse(stored.expiresAt) / 1000),
    });
    await expect(db.codes.createCode(stored)).rejects.toBeInstanceOf(ConflictError);
  });

  it('redeems with ONE conditional UpdateItem that records what it issues and extends the ttl to its exp', async () => {
    await db.codes.createCode(code('d-redeem'));
    db.resetCalls();
    const at = new Date(T0 + 1000).toISOString();
    expect(await db.codes.redeemCode('d-redeem', at, ISSUED)).toEqual({
      outcome: 'redeemed',
      code: { ...code('d-redeem'), consumedAt: at, issued: ISSUED },
    });
    expect(db.calls).toEqual({ UpdateItemCommand: 1 });
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'CODE#d-redeem', sk: 'CODE' } }),
    );
    expect(Item?.['ttl']).toBe(ISSUED.accessTokenExp);
  });

  it('dynalite has no ReturnValuesOnConditionCheckFailure: reused and unknown are told apart by one consistent GetItem', async () => {
    await db.codes.createCode(code('d-reuse'));
    await db.codes.redeemCode('d-reuse', new Date(T0).toISOString(), ISSUED);
    db.resetCalls();
    expect(
      await db.codes.redeemCode('d-reuse', new Date(T0).toISOString(), { ...ISSUED, accessTokenJti: 'x' }),
    ).toEqual({ outcome: 'reused', issued: ISSUED });
    expect(db.calls).toEqual({ UpdateItemCommand: 1, GetItemCommand: 1 });
    expect(await db.codes.redeemCode('d-none', new Date(T0).toISOString(), ISSUED)).toEqual({ outcome: 'unknown' });
    // The failed update created nothing.
    expect(await db.codes.redeemCode('d-none', new Date(T0).toISOString(), ISSUED)).toEqual({ outcome: 'unknown' });
  });

  it('DynamoDB’s old image on the failed condition (ALL_OLD) is read without any further call', async () => {
    let sent = 0;
    const failing = {
      send: async () => {
        sent += 1;
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: { httpStatusCode: 400 },
          Item: {
            pk: { S: 'CODE#d' },
            consumedAt: { S: new Date(T0).toISOString() },
            issued: { M: { accessTokenJti: { S: 'jti-old' }, accessTokenExp: { N: '1700000000' } } },
          },
        });
      },
    } as unknown as DynamoDBDocumentClient;
    const repo = new DynamoDbAuthorizationCodeRepository({ client: failing, tableName: 't' });
    expect(await repo.redeemCode('d', new Date(T0).toISOString(), ISSUED)).toEqual({
      outcome: 'reused',
      issued: { accessTokenJti: 'jti-old', accessTokenExp: 1700000000 },
    });
    expect(sent).toBe(1);
  });

  it('of 20 concurrent redemptions exactly one is redeemed; the 19 others see what it recorded', async () => {
    await db.codes.createCode(code('d-race'));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.codes.redeemCode('d-race', new Date(T0).toISOString(), { accessTokenJti: `jti-${i}`, accessTokenExp: 1 }),
      ),
    );
    const winners = results.filter((r) => r.outcome === 'redeemed');
    expect(winners).toHaveLength(1);
    const recorded = winners[0]!.outcome === 'redeemed' ? winners[0]!.code.issued : undefined;
    expect(results.filter((r) => r.outcome === 'reused')).toEqual(
      Array.from({ length: 19 }, () => ({ outcome: 'reused', issued: recorded })),
    );
  });

  it('recordIssued replaces what a redeemed code issued, and only for a redeemed one', async () => {
    await db.codes.createCode(code('d-record'));
    await expect(db.codes.recordIssued('d-record', ISSUED)).rejects.toBeInstanceOf(ConflictError);
    await db.codes.redeemCode('d-record', new Date(T0).toISOString(), ISSUED);
    const later = { ...ISSUED, refreshSessionId: 'session-1' };
    await db.codes.recordIssued('d-record', later);
    expect(await db.codes.redeemCode('d-record', new Date(T0).toISOString(), ISSUED)).toEqual({
      outcome: 'reused',
      issued: later,
    });
  });
});

describe('DynamoDbRevocationRepository', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
    // A code is created only for an enabled user (a ConditionCheck in its transaction).
    await db.users.createUser(structuredClone(ALICE));
  });
  afterAll(async () => db.close());

  it('DENY#<jti> with ttl = exp; denying twice is denying once; read strongly consistent', async () => {
    expect(await db.revocations.isAccessTokenDenied('jti-1')).toBe(false);
    await db.revocations.denyAccessToken('jti-1', 1_900_000_000);
    await db.revocations.denyAccessToken('jti-1', 1_900_000_000);
    expect(await db.revocations.isAccessTokenDenied('jti-1')).toBe(true);
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'DENY#jti-1', sk: 'DENY' } }),
    );
    expect(Item).toEqual({
      pk: 'DENY#jti-1',
      sk: 'DENY',
      type: 'deny',
      jti: 'jti-1',
      exp: 1_900_000_000,
      ttl: 1_900_000_000,
    });
  });
});

describe('a code exchange through the token endpoint on DynamoDB', () => {
  let db: TestDynamo;
  let endpoint: TokenEndpoint;
  const now = Date.now();
  beforeAll(async () => {
    db = await startTestDynamo();
    await db.users.createUser(structuredClone(ALICE));
    const people = inMemoryPeople();
    people.table.users.set(ALICE.userId, structuredClone(ALICE));
    await db.clients.createClient({
      client: makeClient('spa', {
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [REDIRECT_URI],
      }),
      secrets: [],
      rules: [userRule()],
    });
    endpoint = new TokenEndpoint({
      store: db.tokenReads,
      people: {
        codes: db.codes,
        users: new InMemoryUserRepository(people.table),
        revocations: db.revocations,
        sessions: db.sessions,
      },
      signer: new TestSigner(),
      hasher: new HmacSecretHasher(Buffer.alloc(32, 1)),
      clock: { now: () => now },
      ids: randomIds,
      logger: silentLogger,
      config: { issuer: ISSUER, defaultAccessTokenTtl: 3600 },
    });
  });
  afterAll(async () => db.close());

  it('costs one Query (the client) and one UpdateItem (the code) in DynamoDB', async () => {
    const value = await createCode(db.codes, 'spa', now);
    db.resetCalls();
    expect((await endpoint.handle(codeRequest({ method: 'none', clientId: 'spa' }, value))).status).toBe(200);
    expect(db.calls).toEqual({ QueryCommand: 1, UpdateItemCommand: 1 });
  });

  it('20 concurrent exchanges of one code: exactly one 200; the first one’s jti is then on the deny-list', async () => {
    const value = await createCode(db.codes, 'spa', now);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => endpoint.handle(codeRequest({ method: 'none', clientId: 'spa' }, value))),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => JSON.parse(a.body) as unknown)).toEqual(
      Array.from({ length: 19 }, () => ({
        error: 'invalid_grant',
        error_description: 'the authorization code is invalid, expired or already used',
      })),
    );
    const stored = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: `CODE#${codeDigest(value)}`, sk: 'CODE' } }),
    );
    const jti = (stored.Item?.['issued'] as { accessTokenJti: string }).accessTokenJti;
    const token = JSON.parse(ok[0]!.body) as { access_token: string };
    expect(JSON.parse(Buffer.from(token.access_token.split('.')[1]!, 'base64url').toString())).toMatchObject({ jti });
    expect(await db.revocations.isAccessTokenDenied(jti)).toBe(true);
  });
});
