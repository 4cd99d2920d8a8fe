/**
 * What the revocation check adds to the Lambda authorizer per request (docs/contract.md, Authorizers ›
 * Revocation): the decision of `authorizeRequest` (lambdas/handlers/authorizer-handler.ts) for one
 * bearer token, sequentially, in three set-ups over the same verifier (cached JWKS):
 * - no status check (no `IDP_TABLE_NAME`): verification and route scopes only — the baseline;
 * - cache hit: the token's status (deny-list, client, user) cached in the container (TTL 1 h, warmed):
 *   no DynamoDB call at all;
 * - cache miss: TTL 0, so every request sends its one BatchGetItem (here to dynalite over loopback —
 *   on AWS a DynamoDB round trip in the region, typically a few ms).
 * Reports mean, p50 and p99 per request and the difference to the baseline, and counts the DynamoDB
 * calls (1 per miss, 0 per hit).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AccessTokenVerifier } from '../lambdas/adapters/access-token-verifier';
import { makeDynamoDbRepositories } from '../lambdas/adapters/dynamodb-repositories';
import { ensureTable, makeDynamoDbDocumentClient } from '../lambdas/adapters/dynamodb-setup';
import { LocalTokenSigner } from '../lambdas/adapters/local-token-signer';
import { DynamoDbTokenStatusSource } from '../lambdas/adapters/token-status-source';
import { silentLogger } from '../lambdas/domain/ports';
import { accessTokenClaims, signAccessToken } from '../lambdas/domain/tokens/access-token';
import type { AuthorizerDeps } from '../lambdas/handlers/authorizer-handler';
import { authorizeRequest } from '../lambdas/handlers/authorizer-handler';
import { startLocalDynamoDb } from '../lambdas/local/local-dynamodb';

const ISSUER = 'https://idp.bench.test';
const AUDIENCE = 'https://orders.bench.test';
const TABLE = 'serverless-idp-authorizer-bench';
const CLIENT_ID = 'bench-authorizer-client';

export interface AuthorizerBenchSettings {
  /** Requests per set-up (the miss set-up sends this many BatchGetItems). */
  requests: number;
  warmup: number;
}

export interface AuthorizerBenchRow {
  variant: 'no status check' | 'status cache hit' | 'status cache miss';
  requests: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** Mean added to the baseline, µs. */
  addedMeanUs: number;
  /** DynamoDB calls per request. */
  dynamoCallsPerRequest: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchAuthorizer(settings: AuthorizerBenchSettings): Promise<AuthorizerBenchRow[]> {
  const db = await startLocalDynamoDb();
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: db.region,
    credentials: db.credentials,
    maxAttempts: 1,
  });
  let calls = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  try {
    await ensureTable(client, TABLE);
    const { clients } = makeDynamoDbRepositories({ client: makeDynamoDbDocumentClient(client), tableName: TABLE });
    const now = new Date().toISOString();
    await clients.createClient({
      client: {
        clientId: CLIENT_ID,
        name: 'bench',
        status: 'enabled',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'client_secret_basic',
        createdAt: now,
        updatedAt: now,
        version: 1,
      },
      secrets: [],
      rules: [],
    });
    const signer = await LocalTokenSigner.load({ dataDir: undefined, alg: 'RS256' });
    const iat = Math.floor(Date.now() / 1000);
    const token = await signAccessToken(
      accessTokenClaims({
        issuer: ISSUER,
        clientId: CLIENT_ID,
        audience: AUDIENCE,
        scopes: ['orders:read'],
        claims: {},
        issuedAt: iat,
        ttl: 3600,
        jti: 'bench-jti',
      }),
      signer,
    );
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: await signer.publicJwks() },
    });
    const base: AuthorizerDeps = { verifier, routeScopes: { '*': ['orders:read'] }, logger: silentLogger };
    const request = { method: 'GET', headers: { authorization: `Bearer ${token}` } };
    const setups: [AuthorizerBenchRow['variant'], AuthorizerDeps][] = [
      ['no status check', base],
      [
        'status cache hit',
        { ...base, tokenStatus: new DynamoDbTokenStatusSource({ client, tableName: TABLE, ttlSeconds: 3600 }) },
      ],
      [
        'status cache miss',
        { ...base, tokenStatus: new DynamoDbTokenStatusSource({ client, tableName: TABLE, ttlSeconds: 0 }) },
      ],
    ];
    const rows: AuthorizerBenchRow[] = [];
    let baselineMean = 0;
    for (const [variant, deps] of setups) {
      for (let i = 0; i < settings.warmup; i++) await authorizeRequest(deps, request);
      calls = 0;
      const samples: number[] = [];
      for (let i = 0; i < settings.requests; i++) {
        const start = process.hrtime.bigint();
        const decision = await authorizeRequest(deps, request);
        samples.push(Number(process.hrtime.bigint() - start) / 1000);
        if (!('allow' in decision)) throw new Error(`${variant}: the request was refused`);
      }
      const sorted = [...samples].sort((a, b) => a - b);
      const mean = samples.reduce((sum, v) => sum + v, 0) / samples.length;
      if (variant === 'no status check') baselineMean = mean;
      rows.push({
        variant,
        requests: settings.requests,
        meanUs: mean,
        p50Us: percentile(sorted, 50),
        p99Us: percentile(sorted, 99),
        addedMeanUs: mean - baselineMean,
        dynamoCallsPerRequest: calls / settings.requests,
      });
    }
    return rows;
  } finally {
    client.destroy();
    await db.close();
  }
}
