/**
 * JSON helpers of the core: one parser for the places that accept exactly one JSON object (RFC 8259
 * §4) — the token endpoint's JSON body and the authorizer's route-scopes configuration.
 */

/** The outcome of {@link parseJsonObject}: the object, or why the text is not one. */
export type JsonObjectResult =
  { ok: true; value: Record<string, unknown> } | { ok: false; problem: 'invalid_json' | 'not_an_object' };

/** Parses `text` as JSON and accepts only an object (not an array, `null` or a scalar). Never throws. */
export function parseJsonObject(text: string): JsonObjectResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'invalid_json' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, problem: 'not_an_object' };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}
