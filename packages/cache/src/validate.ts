import { type CacheHash, ValidationError } from "@qts/contracts";

/** Keys are non-empty strings. */
export function validateKey(key: unknown): string {
  if (typeof key !== "string" || key === "") throw new ValidationError("key", key, "must be a non-empty string");
  return key;
}

/** TTLs are finite, positive milliseconds; fractions are kept (never rounded to whole seconds). */
export function validateTtlMs(ttlMs: unknown): number {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new ValidationError("ttlMs", ttlMs, "must be a finite number of milliseconds > 0");
  }
  return ttlMs;
}

/** A hash is a plain object of string values. */
export function validateHash(mapping: unknown): Readonly<CacheHash> {
  if (typeof mapping !== "object" || mapping === null || Array.isArray(mapping)) {
    throw new ValidationError("mapping", mapping, "must be an object of strings");
  }
  for (const [field, value] of Object.entries(mapping)) {
    if (typeof value !== "string") throw new ValidationError(`mapping.${field}`, value, "must be a string");
  }
  return mapping as Readonly<CacheHash>;
}
