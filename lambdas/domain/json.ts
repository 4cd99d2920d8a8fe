/**
 * JSON helpers of the core, used by every place that parses JSON a caller sent: the admin API's
 * request bodies, the token endpoint's JSON body and the authorizer's route-scopes configuration.
 *
 * `JSON.parse` itself copes with deep nesting, but whatever walks the result afterwards recurses —
 * zod, the storability check of stored JSON (admin/schemas.ts), `JSON.stringify` — and overflows the
 * stack somewhere past a thousand levels. So nesting is bounded on the text, by an iterative scan,
 * before the text is parsed at all: {@link MAX_JSON_NESTING} is far above anything the API stores
 * (stored values nest at most 30 levels, admin/schemas.ts) and far below what a recursive walk survives.
 */

/** Deepest nesting of arrays and objects accepted in JSON from a caller (the top-level value is 1). */
export const MAX_JSON_NESTING = 64;

/**
 * Whether `text` nests arrays and objects deeper than `max` levels. Iterative and linear: brackets
 * inside string literals (RFC 8259 §7, with `\"` escapes) are not counted. Meant for text about to be
 * handed to `JSON.parse`; for text that is not JSON the answer is meaningless but harmless.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** The outcome of {@link parseJson}: the value, or why the text is not acceptable JSON. */
export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: 'invalid_json' | 'too_deep' };

/**
 * Parses `text` as JSON (RFC 8259) after checking its nesting depth (at most `maxNesting`, by
 * default {@link MAX_JSON_NESTING}). Never throws.
 */
export function parseJson(text: string, maxNesting: number = MAX_JSON_NESTING): JsonResult {
  if (jsonNestsDeeperThan(text, maxNesting)) return { ok: false, problem: 'too_deep' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: 'invalid_json' };
  }
}

/** The outcome of {@link parseJsonObject}: the object, or why the text is not one. */
export type JsonObjectResult =
  { ok: true; value: Record<string, unknown> } | { ok: false; problem: 'invalid_json' | 'too_deep' | 'not_an_object' };

/**
 * Parses `text` as JSON ({@link parseJson}, nesting bounded by `maxNesting`) and accepts only an
 * object (RFC 8259 §4), not an array, `null` or a scalar. Never throws.
 */
export function parseJsonObject(text: string, maxNesting: number = MAX_JSON_NESTING): JsonObjectResult {
  const parsed = parseJson(text, maxNesting);
  if (!parsed.ok) return parsed;
  const { value } = parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'not_an_object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
