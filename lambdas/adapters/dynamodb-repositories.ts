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
import { DynamoDbSignInSessionRepository } from './dynamodb-sign-in-session-repository';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

/** The repositories of one table. */
export interface DynamoDbRepositories {
  clients: DynamoDbClientRepository;
  apis: DynamoDbApiRepository;
  auditTrail: DynamoDbAuditRepository;
  /** Browser sign-in sessions. */
  signInSessions: DynamoDbSignInSessionRepository;
  /** Pending authorization requests. */
  authorizationRequests: DynamoDbAuthorizationRequestRepository;
  /** Consents per user and client. */
  consents: DynamoDbConsentRepository;
  /** Authorization codes. */
  codes: DynamoDbAuthorizationCodeRepository;
}

/** Builds every repository from one `{ client, tableName }`. */
export function makeDynamoDbRepositories(options: DynamoDbTableOptions): DynamoDbRepositories {
  const table = new DynamoDbTableAccess(options);
  return {
    clients: new DynamoDbClientRepository(table),
    apis: new DynamoDbApiRepository(table),
    auditTrail: new DynamoDbAuditRepository(table),
    signInSessions: new DynamoDbSignInSessionRepository(table),
    authorizationRequests: new DynamoDbAuthorizationRequestRepository(table),
    consents: new DynamoDbConsentRepository(table),
    codes: new DynamoDbAuthorizationCodeRepository(table),
  };
}
