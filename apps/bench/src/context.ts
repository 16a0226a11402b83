import { errorMessage } from "@qts/contracts/internal";
import {
  createTestSchema,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
  uniqueNamespace,
} from "@qts/testkit";
import { Redis } from "ioredis";
import type { RowResult } from "./row.js";

/**
 * What every row gets: the run mode and the services, started lazily and shared by baseline and ours.
 * `QTS_TEST_REDIS_URL` / `QTS_TEST_PG_URL` are used when set (CI); otherwise private throwaway servers are
 * started (never the machine's shared ones) and destroyed at the end of the run.
 */
export interface BenchContext {
  readonly quick: boolean;
  /** A key prefix no other run uses, e.g. `qtsbench:123:9f3a1c2b7d4e:`. */
  readonly namespace: string;
  log(line: string): void;
  redisUrl(): Promise<string>;
  /** A fresh private Redis (for fault rows: it gets killed); destroyed at the end of the run. */
  privateRedis(): Promise<PrivateRedis>;
  pgUrl(): Promise<string>;
  /** A fresh schema on the PG server (dropped at the end of the run). */
  pgSchema(prefix: string): Promise<string>;
  /** Registers cleanup to run at the end (last registered runs first). */
  defer(fn: () => Promise<unknown> | unknown): void;
}

export interface OwnedContext extends BenchContext {
  dispose(): Promise<void>;
}

function fromEnv(name: string): string | null {
  const v = process.env[name]?.trim();
  return v === undefined || v === "" ? null : v;
}

export function createContext(quick: boolean, log: (line: string) => void): OwnedContext {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let redis: Promise<string> | null = null;
  let pg: Promise<string> | null = null;
  const namespace = uniqueNamespace("qtsbench");

  const ctx: OwnedContext = {
    quick,
    namespace,
    log,
    defer(fn) {
      cleanups.push(fn);
    },
    redisUrl() {
      redis ??= (async () => {
        const env = fromEnv("QTS_TEST_REDIS_URL");
        if (env !== null) {
          ctx.defer(() => unlinkNamespace(env, namespace));
          return env;
        }
        const r = await startPrivateRedis();
        ctx.defer(() => r.destroy());
        log(`  (private redis-server on port ${r.port})`);
        return r.url;
      })();
      return redis;
    },
    async privateRedis() {
      const r = await startPrivateRedis();
      ctx.defer(() => r.destroy());
      return r;
    },
    pgUrl() {
      pg ??= (async () => {
        const env = fromEnv("QTS_TEST_PG_URL");
        if (env !== null) return env;
        const p: PrivatePostgres = await startPrivatePostgres();
        ctx.defer(() => p.destroy());
        log(`  (private PostgreSQL on port ${p.port})`);
        return p.url;
      })();
      return pg;
    },
    async pgSchema(prefix) {
      const s = await createTestSchema(await ctx.pgUrl(), prefix);
      ctx.defer(() => s.drop());
      return s.schema;
    },
    async dispose() {
      while (cleanups.length > 0) {
        const fn = cleanups.pop()!;
        try {
          await fn();
        } catch (error) {
          log(`  cleanup failed: ${errorMessage(error)}`);
        }
      }
    },
  };
  return ctx;
}

/** SCAN + UNLINK of this run's keys on a shared Redis. */
async function unlinkNamespace(url: string, namespace: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${namespace}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await r.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

/** One benchmark: measures baseline and ours and returns one or more result rows. */
export interface BenchDef {
  /** `--only` selects by this name. */
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<RowResult[]>;
}
