/** Reading a JWT without verifying it, for `idp decode` and the header of `idp verify`'s answer. */
import { decodeJwtSegment } from '../jwt-segment';
import { CliFailure } from './command';

/** Header and payload of a JWS compact serialization, not verified. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new CliFailure('not a JWT: expected three dot-separated parts (RFC 7515 §7.1)');
  const part = (segment: string, what: string) => {
    const value = /^[A-Za-z0-9_-]*$/.test(segment) ? decodeJwtSegment(segment) : undefined;
    if (value === undefined) throw new CliFailure(`not a JWT: the ${what} is not base64url-encoded JSON`);
    return value;
  };
  return { header: part(parts[0]!, 'header'), payload: part(parts[1]!, 'payload') };
}
