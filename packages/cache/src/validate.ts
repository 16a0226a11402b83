import { type CacheHash, ValidationError } from "@qts/contracts";

/** Longest TTL accepted: 100 years (Redis rejects expiry times that overflow). */
export const MAX_TTL_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/**
 * The field name that stands for "an empty hash" in stores that cannot hold one (Redis deletes a hash whose
 * last field goes). Every client stores `set(key, {}, ttl)` as an entry and returns `{}` for it; this name is
 * reserved and rejected in user hashes.
 */
export const EMPTY_HASH_MARKER = "\u0000qts:empty";

/** Keys are non-empty strings. */
export function validateKey(key: unknown): string {
  if (typeof key !== "string" || key === "")
    throw new ValidationError("key", key, "must be a non-empty string");
  return key;
}

/** Every key of a batch is valid, and the batch is an array. */
export function validateKeys(keys: unknown): readonly string[] {
  if (!Array.isArray(keys)) throw new ValidationError("keys", keys, "must be an array of keys");
  for (const key of keys) validateKey(key);
  return keys as readonly string[];
}

/**
 * TTLs are finite, positive milliseconds up to {@link MAX_TTL_MS}; fractions are kept (never rounded to whole
 * seconds; Redis rounds them up to the next whole millisecond).
 */
export function validateTtlMs(ttlMs: unknown): number {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TTL_MS) {
    throw new ValidationError(
      "ttlMs",
      ttlMs,
      `must be a finite number of milliseconds > 0 and <= ${MAX_TTL_MS}`,
    );
  }
  return ttlMs;
}

/** A hash is a plain object of string values; the empty-hash marker is a reserved field name. */
export function validateHash(mapping: unknown): Readonly<CacheHash> {
  if (typeof mapping !== "object" || mapping === null || !isPlainObject(mapping)) {
    throw new ValidationError("mapping", mapping, "must be a plain object of strings");
  }
  for (const [field, value] of Object.entries(mapping)) {
    if (typeof value !== "string") throw new ValidationError(`mapping.${field}`, value, "must be a string");
    if (field === EMPTY_HASH_MARKER)
      throw new ValidationError("mapping", field, "uses a reserved field name");
  }
  return mapping as Readonly<CacheHash>;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
