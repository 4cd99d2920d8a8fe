/**
 * The machine's own signing limit: RSA-2048 (RS256, RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3)
 * and P-256 (ES256, RFC 7518 §3.4) signatures per second with node:crypto on one thread, over a
 * typical access-token signing input. A token endpoint that signs locally cannot beat this per core.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { SigningAlgorithm } from '../lambdas/domain/ports';
import { rateLoop } from './measure';

export interface SignRate {
  alg: SigningAlgorithm;
  key: string;
  /** Wall clock, one thread. */
  perSecond: number;
  usPerSign: number;
  /** Signatures per second of CPU time: the physical single-core limit, whatever else the machine runs. */
  perCpuSecond: number;
}

/** A signing input the size of our access tokens' `header.payload` (about 400 bytes). */
const SIGNING_INPUT = Buffer.from('e'.repeat(400), 'ascii');

export function benchSignRates(durationMs: number): SignRate[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rs = rateLoop(() => sign('sha256', SIGNING_INPUT, rsa), durationMs);
  const es = rateLoop(() => sign('sha256', SIGNING_INPUT, { key: ec, dsaEncoding: 'ieee-p1363' }), durationMs);
  return [
    {
      alg: 'RS256',
      key: 'RSA-2048',
      perSecond: rs.perSecond,
      usPerSign: rs.usPerOp,
      perCpuSecond: 1e6 / rs.cpuUsPerOp,
    },
    { alg: 'ES256', key: 'P-256', perSecond: es.perSecond, usPerSign: es.usPerOp, perCpuSecond: 1e6 / es.cpuUsPerOp },
  ];
}
