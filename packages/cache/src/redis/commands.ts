import { type CacheHash, CacheUnavailableError } from "@qts/contracts";
import { type ChainableCommander, Cluster, type Redis } from "ioredis";
import { EMPTY_HASH_MARKER } from "../validate.js";
import { clusterKeySlot } from "./cluster-slot.js";
import { pipelineResults, toCacheError } from "./errors.js";

export const SCAN_COUNT = 500;
export const REDIRECTION = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/;

/** Groups keys by the master that serves their slot, as the cluster's slot table says. */
export function groupBySlotOwner(cluster: Cluster, keys: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const owner = cluster.slots[clusterKeySlot(key)]?.join(",") ?? "";
    const group = groups.get(owner);
    if (group === undefined) groups.set(owner, [key]);
    else group.push(key);
  }
  return [...groups.values()];
}

/** Bounds one command (the client's per-operation deadline). */
export type Timed = <T>(promise: Promise<T>) => Promise<T>;

/** SCAN MATCH + UNLINK over one node; each command is bounded by `timed`. */
export async function flushNode(
  node: Redis,
  pattern: string,
  perKey: boolean,
  timed: Timed,
): Promise<number> {
  let removed = 0;
  let cursor = "0";
  do {
    const [next, keys] = await timed(node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT));
    cursor = next;
    if (keys.length === 0) continue;
    if (perKey) {
      // Cluster: a multi-key UNLINK must stay in one slot, so one UNLINK per key, pipelined to this node.
      const pipeline = node.pipeline();
      for (const k of keys) pipeline.unlink(k);
      for (const n of pipelineResults(await timed(pipeline.exec()), "flushNamespace")) removed += Number(n);
    } else {
      removed += await timed(node.unlink(...keys));
    }
  } while (cursor !== "0");
  return removed;
}

export function toStoredArgs(mapping: Readonly<CacheHash>): string[] {
  const args: string[] = [];
  for (const [field, value] of Object.entries(mapping)) args.push(field, value);
  if (args.length === 0) args.push(EMPTY_HASH_MARKER, "1");
  return args;
}

/**
 * A stored hash from the flat `[field, value, ...]` reply of HGETALL sent as `call("HGETALL", key)` (which
 * ioredis does not convert): `null` for a missing key (empty reply), `{}` for the empty-hash marker. One pass,
 * no second walk over the object to test for emptiness. A `__proto__` field becomes an own property.
 */
export function hashFromReply(reply: unknown): CacheHash | null {
  if (!Array.isArray(reply) || reply.length === 0) return null;
  const hash: CacheHash = {};
  for (let i = 0; i < reply.length; i += 2) {
    const field = reply[i] as string;
    if (field === EMPTY_HASH_MARKER) continue;
    const value = reply[i + 1] as string;
    // Only `__proto__` has a setter on Object.prototype: any other name assigned becomes an own property.
    if (field === "__proto__")
      Object.defineProperty(hash, field, { value, configurable: true, enumerable: true, writable: true });
    else hash[field] = value;
  }
  return hash;
}

/** HGETALL without ioredis's reply conversion (the command name must not be the lower-case "hgetall"). */
export const RAW_HGETALL = "HGETALL";

export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * Sends one pipeline per master (one pipeline on a single Redis) with `add(pipeline, key)` for every key,
 * in parallel, and maps each key to its reply. On a cluster, keys whose reply is a redirection (MOVED/ASK
 * during a failover or resharding: ioredis retries a pipeline only when every error is the same) are sent
 * again one by one through the cluster client, which follows redirections and refreshes its slot table.
 */
export async function perNode(
  client: Redis | Cluster,
  keys: readonly string[],
  operation: string,
  add: (pipeline: ChainableCommander, key: string) => void,
  one: (key: string) => Promise<unknown>,
): Promise<Map<string, unknown>> {
  const groups = client instanceof Cluster ? groupBySlotOwner(client, keys) : [keys];
  const replies = new Map<string, unknown>();
  const redirected: string[] = [];
  await Promise.all(
    groups.map(async (group) => {
      const pipeline = client.pipeline();
      for (const k of group) add(pipeline, k);
      const results = await pipeline.exec();
      if (results === null)
        throw new CacheUnavailableError(`Redis ${operation} failed: pipeline was discarded`);
      results.forEach(([error, value], i) => {
        const k = group[i] as string;
        if (error === null) replies.set(k, value);
        else if (client instanceof Cluster && REDIRECTION.test(error.message)) redirected.push(k);
        else throw toCacheError(error, operation);
      });
    }),
  );
  if (redirected.length > 0) {
    await Promise.all(
      redirected.map(async (k) => {
        replies.set(k, await one(k));
      }),
    );
  }
  return replies;
}
