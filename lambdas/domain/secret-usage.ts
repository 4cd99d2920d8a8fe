/**
 * `lastUsedAt` of client secrets, kept cheaply: the token path never pays a write per token. Each
 * function instance remembers when it last recorded a secret's use and writes again only after
 * `intervalSeconds`; the client repository's conditional write (`lastUsedAt < at - interval`) stops other
 * instances from repeating it. So `lastUsedAt` is accurate to the interval (5 minutes by default) and
 * costs at most one write per secret per interval per instance, off the response path.
 */
import { describeError } from './errors';
import type { ClientRepository, Logger } from './ports';
import type { TokenOutcome } from './endpoints/token-endpoint';

export const DEFAULT_SECRET_USAGE_INTERVAL_SECONDS = 300;

/** What the tracker needs of the client repository. */
export type SecretUsageRecorder = Pick<ClientRepository, 'touchSecret'>;

/** Records the use of the secrets behind issued tokens, at most once per secret per interval. */
export class SecretUsageTracker {
  private readonly lastRecorded = new Map<string, number>();

  constructor(
    private readonly clients: SecretUsageRecorder,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly intervalSeconds = DEFAULT_SECRET_USAGE_INTERVAL_SECONDS,
    /** Entries remembered; the oldest are forgotten first. */
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * The token endpoint's `observe` hook: records the use of the secret behind an issued token. Never
   * throws and never delays the response; returns the pending write (or undefined) for tests.
   */
  readonly observe = (outcome: TokenOutcome): Promise<void> | undefined => {
    // A public client (`none`) used no secret.
    if (outcome.outcome !== 'issued' || outcome.secretId === undefined) return undefined;
    const { secretId } = outcome;
    const key = `${outcome.clientId}\n${secretId}`;
    const nowMs = this.now();
    const last = this.lastRecorded.get(key);
    if (last !== undefined && nowMs - last < this.intervalSeconds * 1000) return undefined;
    this.lastRecorded.delete(key);
    this.lastRecorded.set(key, nowMs);
    if (this.lastRecorded.size > this.maxEntries) {
      const oldest = this.lastRecorded.keys().next().value;
      if (oldest !== undefined) this.lastRecorded.delete(oldest);
    }
    const at = new Date(nowMs).toISOString();
    return this.clients.touchSecret(outcome.clientId, secretId, at, this.intervalSeconds).then(
      () => undefined,
      (err: unknown) => {
        // Best effort: forget the attempt so the next token retries it.
        this.lastRecorded.delete(key);
        this.logger.warn('could not record secret use', {
          clientId: outcome.clientId,
          secretId,
          error: describeError(err),
        });
      },
    );
  };
}
