/**
 * Item mapping of the people side's short-lived items (docs/data-model.md, "People"): sign-in sessions,
 * pending authorization requests, authorization codes — each keyed by the SHA-256 of its handle, with
 * a DynamoDB `ttl` at its `expiresAt` for cleanup (expiry itself is checked in code) — and consents.
 */
import type { Item } from './dynamodb-items';
import { ATTR } from './dynamodb-table';
import type { ItemType } from './dynamodb-table';

const STORAGE_ATTRS: ReadonlySet<string> = new Set([ATTR.pk, ATTR.sk, ATTR.gsi1pk, ATTR.gsi1sk, ATTR.ttl, ATTR.type]);

/** Seconds since the epoch of an ISO 8601 instant, rounded up (DynamoDB TTL). */
export function epochSeconds(iso: string): number {
  return Math.ceil(Date.parse(iso) / 1000);
}

/** The item of a value: its attributes, its key, `type`, and a `ttl` when it expires. */
export function peopleItem<T extends object>(value: T, key: Item, type: ItemType, expiresAt?: string): Item {
  return {
    ...value,
    ...key,
    [ATTR.type]: type,
    ...(expiresAt === undefined ? {} : { [ATTR.ttl]: epochSeconds(expiresAt) }),
  };
}

/** The value of an item, without keys, `type` and `ttl`. */
export function fromPeopleItem<T>(item: Item): T {
  const out: Item = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRS.has(name)) out[name] = value;
  return out as T;
}
