/**
 * The local runtime's read cache of client bundles, in front of the DynamoDB repositories on dynalite. The
 * local runtime is its embedded database's only writer, and the database's front counts writes
 * ({@link LocalDynamoDb.writeGeneration}), so a cached bundle is served only while no write has
 * started since it was read: reads stay exactly as current as DynamoDB's strongly consistent Query (a
 * disabled client or a revoked secret fails at the next request), without a database round trip per
 * token. On AWS there is no such cache: many function instances write and read the table.
 */
import type { ClientBundle } from '../domain/model';
import type { TokenPathReads } from '../domain/ports';

interface Entry {
  generation: number;
  bundle: ClientBundle | undefined;
}

export class LocalBundleCache implements TokenPathReads {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: TokenPathReads,
    private readonly writeGeneration: () => number,
    /** Client bundles kept; the least recently read are dropped first. */
    private readonly maxEntries = 10_000,
  ) {}

  async loadClientBundle(clientId: string): Promise<ClientBundle | undefined> {
    const now = this.writeGeneration();
    const cached = this.entries.get(clientId);
    if (cached !== undefined && cached.generation === now) {
      this.entries.delete(clientId);
      this.entries.set(clientId, cached);
      return cached.bundle;
    }
    const bundle = await this.store.loadClientBundle(clientId);
    // Cache only what no write can have overtaken: the generation must not have moved while reading.
    if (this.writeGeneration() === now) {
      this.entries.delete(clientId);
      this.entries.set(clientId, { generation: now, bundle });
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return bundle;
  }

  apiExists(identifier: string): Promise<boolean> {
    return this.store.apiExists(identifier);
  }
}
