/**
 * Captures the embedded metric format records (the lines with `_aws`) that a Powertools `Metrics`
 * instance prints while `run` records metrics, then publishes them; stdout and console.log are muted
 * meanwhile and restored after.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';

export function captureMetrics(run: (metrics: Metrics) => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const log = jest
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => lines.push(args.map(String).join(' ')));
  try {
    const metrics = new Metrics({ namespace: 'ServerlessIdpTest', serviceName: 'serverless-idp' });
    run(metrics);
    metrics.publishStoredMetrics();
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return lines.filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
