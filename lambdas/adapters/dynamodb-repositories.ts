/**
 * Every DynamoDB repository over one table, for composition: they share the document client, the
 * table access (dynamodb-table-access.ts) and its transact-item builders. A repository for a new
 * aggregate is added here beside the others.
 */
import { DynamoDbApiRepository } from './dynamodb-api-repository';
import { DynamoDbAuditRepository } from './dynamodb-audit-repository';
import { DynamoDbAuthorizationCodeRepository } from './dynamodb-authorization-code-repository';
import { DynamoDbAuthorizationRequestRepository } from './dynamodb-authorization-request-repository';
import { DynamoDbClientRepository } from './dynamodb-client-repository';
import { DynamoDbConsentRepository } from './dynamodb-consent-repository';
import { DynamoDbPasswordSetupRepository } from './dynamodb-password-setup-repository';
import { DynamoDbRefreshSessionRepository } from './dynamodb-refresh-session-repository';
import { DynamoDbRevocationRepository } from './dynamodb-revocation-repository';
import { DynamoDbSignInSessionRepository } from './dynamodb-sign-in-session-repository';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import { DynamoDbUserRepository } from './dynamodb-user-repository';

/** The repositories of one table. */
export interface DynamoDbRepositories {
  clients: DynamoDbClientRepository;
  apis: DynamoDbApiRepository;
  auditTrail: DynamoDbAuditRepository;
  /** Users with their grants. */
  users: DynamoDbUserRepository;
  /** One-time password setups. */
  setups: DynamoDbPasswordSetupRepository;
  codes: DynamoDbAuthorizationCodeRepository;
  revocations: DynamoDbRevocationRepository;
  /** Browser sign-in sessions. */
  signInSessions: DynamoDbSignInSessionRepository;
  /** Pending authorization requests. */
  authorizationRequests: DynamoDbAuthorizationRequestRepository;
  /** Consents per user and client. */
  consents: DynamoDbConsentRepository;
  /** Refresh-token sessions. */
  sessions: DynamoDbRefreshSessionRepository;
}

/** Builds every repository from one `{ client?, tableName }` (the client defaults as in {@link DynamoDbTableOptions}). */
export function makeDynamoDbRepositories(options: DynamoDbTableOptions): DynamoDbRepositories {
  const table = new DynamoDbTableAccess(options);
  return {
    clients: new DynamoDbClientRepository(table),
    apis: new DynamoDbApiRepository(table),
    auditTrail: new DynamoDbAuditRepository(table),
    users: new DynamoDbUserRepository(table),
    setups: new DynamoDbPasswordSetupRepository(table),
    codes: new DynamoDbAuthorizationCodeRepository(table),
    revocations: new DynamoDbRevocationRepository(table),
    signInSessions: new DynamoDbSignInSessionRepository(table),
    authorizationRequests: new DynamoDbAuthorizationRequestRepository(table),
    consents: new DynamoDbConsentRepository(table),
    sessions: new DynamoDbRefreshSessionRepository(table),
  };
}
