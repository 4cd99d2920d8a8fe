/**
 * Messages between the bench (parent) and each server it runs in its own child process (IPC), so a
 * server never shares an event loop with the load generator or with the other server.
 */

/** What a server started for the code exchange (`BENCH_GRANT=authorization_code`) also announces. */
export interface CodeFlowFixture {
  /** A public client (`token_endpoint_auth_method: none`) registered for `authorization_code`. */
  clientId: string;
  redirectUri: string;
  /** Our server only: the seeded user's credentials, for the sign-in timing (the peer has no sign-in page here). */
  username?: string;
  password?: string;
}

/** Sent by a child once it listens. */
export interface ReadyMessage {
  type: 'ready';
  /** Base URL on 127.0.0.1. */
  url: string;
  issuer: string;
  jwksUri: string;
  /** The confidential client-credentials client (empty strings in code-exchange mode). */
  clientId: string;
  clientSecret: string;
  /** Present in code-exchange mode. */
  codeFlow?: CodeFlowFixture;
}

/**
 * Counters since the last `reset`. Both servers report their CPU time; only ours counts signer calls
 * and outcomes (the peer answers zeros for those).
 */
export interface StatsMessage {
  type: 'stats';
  /** CPU time of the server process (user + system, all threads), microseconds. */
  cpuUs: number;
  /** `TokenSigner.sign` calls (one KMS `Sign` each on AWS). */
  signCalls: number;
  issued: number;
  reused: number;
  denied: number;
  /**
   * Storage operations by name since the last `reset`: ours, DynamoDB commands as the SDK client
   * sent them (`QueryCommand`, `UpdateItemCommand`, …); the peer, its adapter's calls
   * (`AuthorizationCode.find`, `Grant.find`, …). Absent where nothing counts them.
   */
  storeCalls?: Record<string, number>;
}

/** The answer to `prepare`: fresh authorization codes (or refresh tokens), each to be used once. */
export interface PreparedMessage {
  type: 'prepared';
  codes: string[];
  /** Wall-clock milliseconds the child spent creating them. */
  ms: number;
}

export type ChildMessage = ReadyMessage | StatsMessage | PreparedMessage | { type: 'error'; message: string };

export type ParentMessage =
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'stop' }
  /**
   * Code-exchange mode: create `count` codes for the fixture client and user, bound to the bench PKCE
   * challenge; with `kind: 'refresh'` (and BENCH_REFRESH=1) `count` refresh tokens of that client and user.
   */
  | { type: 'prepare'; count: number; kind?: 'code' | 'refresh' };
