/**
 * The signing-modes bench (bench/signing-modes.ts) counts what it claims: in envelope mode one Decrypt at
 * the cold start and no KMS request per token; in kms mode one Sign per token (a short window here;
 * `npm run bench` runs 2 s).
 */
import { benchSigningModes } from '../../bench/signing-modes';

describe('signing modes bench', () => {
  it('envelope: 1 KMS request per cold start, 0 per token; kms: 1 Sign per token', async () => {
    const rows = await benchSigningModes(['RS256', 'ES256'], 150);
    expect(rows.map((r) => [r.mode, r.alg, r.kmsRequestsAtStart, r.kmsRequestsPerToken])).toEqual([
      ['envelope', 'RS256', 1, 0],
      ['kms', 'RS256', 0, 1],
      ['envelope', 'ES256', 1, 0],
      ['kms', 'ES256', 0, 1],
    ]);
    for (const row of rows.filter((r) => r.mode === 'envelope')) {
      expect(row.tokens).toBeGreaterThan(10);
      expect(row.perCpuSecond).toBeGreaterThan(row.perInstanceAt512MbEstimate);
    }
  }, 30_000);
});
