/**
 * Messages between the bench (parent) and each server it runs in its own child process (IPC), so a
 * server never shares an event loop with the load generator or with the other server.
 */

/** Sent by a child once it listens. */
export interface ReadyMessage {
  type: 'ready';
  /** Base URL on 127.0.0.1. */
  url: string;
  issuer: string;
  jwksUri: string;
  clientId: string;
  clientSecret: string;
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
}

export type ChildMessage = ReadyMessage | StatsMessage | { type: 'error'; message: string };

export type ParentMessage = { type: 'reset' } | { type: 'stats' } | { type: 'stop' };
