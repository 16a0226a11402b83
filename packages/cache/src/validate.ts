import { CACHE_VERSION_FIELD, type CacheHash, ValidationError } from "@qts/contracts";

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

/** Versions are safe integers >= 0. */
export function validateVersion(version: unknown): number {
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    throw new ValidationError("version", version, "must be a safe integer >= 0");
  }
  return version;
}

/**
 * The hash a versioned write stores: `mapping` with its version field set to `version` (a version field the
 * mapping already carries must say the same version).
 */
export function versionedHash(mapping: unknown, version: unknown): CacheHash {
  const hash = validateHash(mapping);
  const v = String(validateVersion(version));
  const given = Object.hasOwn(hash, CACHE_VERSION_FIELD) ? hash[CACHE_VERSION_FIELD] : undefined;
  if (given !== undefined && given !== v) {
    throw new ValidationError(
      `mapping.${CACHE_VERSION_FIELD}`,
      given,
      `must equal the version argument (${v})`,
    );
  }
  return { ...hash, [CACHE_VERSION_FIELD]: v };
}

/**
 * The field/value arguments of a versioned write, built in one pass (no copy of the hash): `mapping`'s pairs
 * plus the version field, which the mapping may carry only with the same value.
 */
export function versionedArgs(mapping: unknown, version: unknown): string[] {
  const hash = validateHash(mapping);
  const v = String(validateVersion(version));
  const args: string[] = [];
  let carried = false;
  for (const field in hash) {
    if (!Object.hasOwn(hash, field)) continue;
    const value = hash[field] as string;
    if (field === CACHE_VERSION_FIELD) {
      if (value !== v) {
        throw new ValidationError(
          `mapping.${CACHE_VERSION_FIELD}`,
          value,
          `must equal the version argument (${v})`,
        );
      }
      carried = true;
    }
    args.push(field, value);
  }
  if (!carried) args.push(CACHE_VERSION_FIELD, v);
  return args;
}

/** The version a stored hash carries (as Redis's `tonumber` reads it; missing or unreadable = 0). */
export function storedVersion(hash: Readonly<CacheHash>): number {
  const text = Object.hasOwn(hash, CACHE_VERSION_FIELD) ? hash[CACHE_VERSION_FIELD] : undefined;
  if (text === undefined || text.trim() === "") return 0;
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** The versioned-write rule: absent, newer, or both unversioned (0). */
export function versionApplies(incoming: number, cached: number | null): boolean {
  return cached === null || incoming > cached || (incoming === 0 && cached === 0);
}
