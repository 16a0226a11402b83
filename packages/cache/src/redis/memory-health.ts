import { CacheOutOfMemoryError } from "@qts/contracts";
import { type Redis, ReplyError } from "ioredis";
import { toCacheError } from "./errors.js";

/** What `INFO memory` says about one node's memory limit. */
export interface NodeMemory {
  readonly node: string;
  /** `used_memory - mem_not_counted_for_evict`: what Redis compares with `maxmemory`. */
  readonly counted: number;
  /** 0 = no limit. */
  readonly maxmemory: number;
  readonly policy: string;
}

function field(info: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, "m").exec(info);
  return match?.[1]?.trim();
}

/** Parses the reply of `INFO memory`. */
export function parseMemoryInfo(node: string, info: string): NodeMemory {
  const used = Number(field(info, "used_memory") ?? 0);
  const notCounted = Number(field(info, "mem_not_counted_for_evict") ?? 0);
  return {
    node,
    counted: used - notCounted,
    maxmemory: Number(field(info, "maxmemory") ?? 0),
    policy: field(info, "maxmemory_policy") ?? "",
  };
}

/** Over its `maxmemory` (Redis refuses growing writes unless its policy can evict something). */
export function overLimit(m: NodeMemory): boolean {
  return m.maxmemory > 0 && m.counted > m.maxmemory;
}

/**
 * Whether writes are refused: over the limit with `noeviction` (nothing may be evicted), or over the limit
 * while the client's last write was refused with OOM (an eviction policy that found nothing to evict).
 */
export function writesRefused(m: NodeMemory, lastWriteOom: boolean): boolean {
  return overLimit(m) && (m.policy === "noeviction" || lastWriteOom);
}

export function oomHealthMessage(m: NodeMemory): string {
  return `Redis out of memory (OOM) on ${m.node}: used memory ${m.counted} > maxmemory ${m.maxmemory} (maxmemory-policy ${m.policy}); writes are refused`;
}

/** PING and `INFO memory` of one node; null memory when INFO is refused (e.g. an ACL without it). */
export async function nodeMemory(node: Redis): Promise<NodeMemory | null> {
  const [, info] = await Promise.all([
    node.ping(),
    node.info("memory").catch((error: unknown) => {
      if (error instanceof ReplyError) return null;
      throw error;
    }),
  ]);
  return info === null ? null : parseMemoryInfo(`${node.options.host}:${node.options.port}`, info);
}

/** A client's view of OOM: whether its last write was refused for memory, and what health should say. */
export class MemoryHealth {
  /** The last write was refused with OOM (cleared by a write that succeeds, or once no node is over). */
  #lastWriteOom = false;

  writeSucceeded(): void {
    this.#lastWriteOom = false;
  }

  /** A write's error as a typed one (`CacheOutOfMemoryError` for OOM, which is remembered). */
  writeFailed(error: unknown, operation: string): Error {
    const typed = toCacheError(error, operation);
    if (typed instanceof CacheOutOfMemoryError) this.#lastWriteOom = true;
    return typed;
  }

  /** Why writes are refused for memory, or null (a null entry: that node's INFO was not allowed). */
  problem(memory: readonly (NodeMemory | null)[]): string | null {
    const full = memory.find((m) => m !== null && writesRefused(m, this.#lastWriteOom));
    if (full) return oomHealthMessage(full);
    if (memory.some((m) => m === null)) {
      return this.#lastWriteOom ? "Redis out of memory (OOM): the last write was refused" : null;
    }
    if (!memory.some((m) => m !== null && overLimit(m))) this.#lastWriteOom = false;
    return null;
  }
}
