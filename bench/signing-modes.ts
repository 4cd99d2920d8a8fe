/**
 * Signing throughput per function instance in both signing modes (README, "Signing modes"), with the
 * production signers over the KMS protocol fake (test/support/kms-fake.ts) on loopback:
 *
 * - `envelope`: `EnvelopeTokenSigner` loaded the way the token function's cold start does it — the
 *   record, one `Decrypt` through `KmsKeyWrapper` — then signing in memory. Reported: KMS requests at
 *   load and per token (counted at the fake), signatures per second on one thread (a Lambda instance
 *   serves one request at a time), signatures per CPU-second (the per-core limit), and what that means
 *   for an instance of the stage's memory (Lambda gives one vCPU at 1,769 MB, proportionally less below).
 * - `kms`: `KmsTokenSigner`, one `kms:Sign` per token (counted). Its throughput is KMS's, not this
 *   machine's: the fake's latency is loopback, so only the call count and the local CPU per token
 *   are reported; the ceiling is the account's quota (RSA 500/s, ECC 300/s, shared by every caller).
 */
import { performance } from 'node:perf_hooks';
import { ensureEnvelopeKey, envelopeEncryptionContext, EnvelopeTokenSigner } from '../lambdas/adapters/envelope-keys';
import type { EnvelopeKeyRecord, EnvelopeKeyStore } from '../lambdas/adapters/envelope-keys';
import { KmsKeyWrapper } from '../lambdas/adapters/kms-key-wrapper';
import { KmsTokenSigner } from '../lambdas/adapters/kms-token-signer';
import type { SigningAlgorithm, TokenSigner } from '../lambdas/domain/ports';
import { startKmsFake } from '../test/support/kms-fake';

/** Memory of the token function in every stage (lib/config.ts `memorySize`), MB. */
export const TOKEN_FUNCTION_MEMORY_MB = 512;
/** Lambda allocates one vCPU at 1,769 MB, CPU in proportion to memory below it. */
const MB_PER_VCPU = 1769;

export interface SigningModeRow {
  mode: 'kms' | 'envelope';
  alg: SigningAlgorithm;
  /** KMS requests to make the signer (the cold start): Decrypt in envelope mode, none in kms mode. */
  kmsRequestsAtStart: number;
  /** KMS requests per token, counted at the fake over the measured window. */
  kmsRequestsPerToken: number;
  tokens: number;
  /** Signatures per second, one at a time (one Lambda instance); NaN in kms mode (KMS's latency decides). */
  perSecond: number;
  /** This process's CPU µs per token; NaN in kms mode (the fake signs in this process). */
  cpuUsPerToken: number;
  /** Signatures per CPU-second: the per-core limit (envelope mode). */
  perCpuSecond: number;
  /** perCpuSecond × the instance's vCPU share at {@link TOKEN_FUNCTION_MEMORY_MB} (envelope mode). */
  perInstanceAt512MbEstimate: number;
}

/** A signing input the size of our access tokens' `header.payload` (about 400 bytes). */
const SIGNING_INPUT = Buffer.from('e'.repeat(400), 'ascii');

class MemoryStore implements EnvelopeKeyStore {
  private readonly records = new Map<string, EnvelopeKeyRecord>();
  get(keyId: string) {
    return Promise.resolve(this.records.get(keyId));
  }
  putIfAbsent(record: EnvelopeKeyRecord) {
    if (!this.records.has(record.keyId)) this.records.set(record.keyId, record);
    return Promise.resolve(this.records.get(record.keyId)!);
  }
}

/** One sign at a time for `durationMs`. */
async function measure(
  signer: TokenSigner,
  durationMs: number,
): Promise<{ tokens: number; ms: number; cpuUs: number }> {
  for (let i = 0; i < 20; i += 1) await signer.sign(SIGNING_INPUT); // warm-up
  let tokens = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    await signer.sign(SIGNING_INPUT);
    tokens += 1;
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { tokens, ms, cpuUs: used.user + used.system };
}

export async function benchSigningModes(
  algs: readonly SigningAlgorithm[],
  durationMs: number,
): Promise<SigningModeRow[]> {
  const kms = await startKmsFake();
  const rows: SigningModeRow[] = [];
  try {
    const wrappingKey = kms.arnOf(kms.createSymmetricKey());
    for (const alg of algs) {
      // envelope: the cold start (record + one Decrypt), then memory only.
      const store = new MemoryStore();
      const wrapper = new KmsKeyWrapper({ client: kms.client, keyArn: wrappingKey });
      const key = { keyId: `bench-${alg}`, alg, context: envelopeEncryptionContext('bench', `bench-${alg}`) };
      await ensureEnvelopeKey(store, wrapper, key);
      const beforeLoad = { ...kms.calls };
      const envelope = await EnvelopeTokenSigner.load({ store, wrapper, key });
      const atStart = kms.calls.Decrypt - beforeLoad.Decrypt + kms.calls.Sign - beforeLoad.Sign;
      const beforeRun = { ...kms.calls };
      const e = await measure(envelope, durationMs);
      const envelopeCalls =
        kms.calls.Decrypt -
        beforeRun.Decrypt +
        kms.calls.Sign -
        beforeRun.Sign +
        kms.calls.GetPublicKey -
        beforeRun.GetPublicKey;
      const perCpuSecond = (e.tokens / e.cpuUs) * 1e6;
      rows.push({
        mode: 'envelope',
        alg,
        kmsRequestsAtStart: atStart,
        kmsRequestsPerToken: envelopeCalls / e.tokens,
        tokens: e.tokens,
        perSecond: (e.tokens / e.ms) * 1000,
        cpuUsPerToken: e.cpuUs / e.tokens,
        perCpuSecond,
        perInstanceAt512MbEstimate: perCpuSecond * Math.min(1, TOKEN_FUNCTION_MEMORY_MB / MB_PER_VCPU),
      });
      // kms: one Sign per token.
      const keyId = kms.createKey(alg === 'RS256' ? 'RSA_2048' : 'ECC_NIST_P256');
      const kmsSigner = new KmsTokenSigner({ client: kms.client, keyId: kms.arnOf(keyId), alg });
      const beforeKms = { ...kms.calls };
      const k = await measure(kmsSigner, Math.min(durationMs, 500));
      const kmsCalls = kms.calls.Sign - beforeKms.Sign - 20; // the warm-up's 20 Signs
      rows.push({
        mode: 'kms',
        alg,
        kmsRequestsAtStart: 0,
        kmsRequestsPerToken: kmsCalls / k.tokens,
        tokens: k.tokens,
        // Through the loopback fake, which signs in this process: neither KMS's latency nor a Lambda's CPU.
        perSecond: Number.NaN,
        cpuUsPerToken: Number.NaN,
        perCpuSecond: Number.NaN,
        perInstanceAt512MbEstimate: Number.NaN,
      });
    }
  } finally {
    await kms.close();
  }
  return rows;
}
