/** Reading the parts of a JWS compact serialization (RFC 7515 §7.1) without verifying anything. */

/**
 * One dot-separated part of a JWT (header or payload) as the JSON object it encodes, or undefined when
 * it is not base64url-encoded JSON or not an object. Nothing is verified: use it only to display a
 * token or to time a cache.
 */
export function decodeJwtSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
