import { randomBytes } from "node:crypto";
import type { CacheHash } from "@qts/contracts";

/** Resolves after `ms` (immediately when `ms <= 0`). */
export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** `key(name)` = `prefix + name + ":" + a random part` unique to this suite run, plus a counter. */
export function uniqueKeyFactory(prefix: string): (name: string) => string {
  const run = randomBytes(6).toString("hex");
  let n = 0;
  return (name) => `${prefix}${name}:${run}:${++n}`;
}

/** A hash of `fields` fields whose values are `valueBytes` long (ASCII, each distinct). */
export function largeHash(fields: number, valueBytes: number): CacheHash {
  const hash: CacheHash = {};
  for (let i = 0; i < fields; i++) {
    const head = `${i}:`;
    hash[`field-${i}`] = head + "x".repeat(Math.max(valueBytes - head.length, 0));
  }
  return hash;
}
