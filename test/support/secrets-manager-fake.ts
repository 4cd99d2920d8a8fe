/**
 * A loopback fake of Secrets Manager's `GetSecretValue` (AWS JSON 1.1: `POST /` with
 * `X-Amz-Target: secretsmanager.GetSecretValue`), so a Lambda bundle's real SDK client can read the
 * pepper. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerFake {
  endpoint: string;
  /** Stores a string secret; returns its ARN. */
  put(name: string, value: string): string;
  /** GetSecretValue requests served, by secret id. */
  reads: Record<string, number>;
  close(): Promise<void>;
}

export async function startSecretsManagerFake(region = 'local', account = '000000000000'): Promise<SecretsManagerFake> {
  const secrets = new Map<string, { arn: string; name: string; value: string }>();
  const reads: Record<string, number> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        answer(400, { __type: 'InvalidRequestException', message: 'only GetSecretValue is faked' });
        return;
      }
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: string };
      const secret = [...secrets.values()].find((s) => s.arn === SecretId || s.name === SecretId);
      if (SecretId === undefined || secret === undefined) {
        answer(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      reads[SecretId] = (reads[SecretId] ?? 0) + 1;
      answer(200, {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    put(name, value) {
      const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
      secrets.set(name, { arn, name, value });
      return arn;
    },
    reads,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
