import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CacheUnavailableError } from "@qts/contracts";
import { getFreePort, type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCacheClient } from "../src/index.js";

const MASTER_NAME = "qts-failover";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms (${String(last)})`);
    await sleep(50);
  }
}

/**
 * A private master with one replica and one Sentinel (quorum 1, down-after 1 s). The master is killed; the
 * Sentinel promotes the replica; the client, which only knows the Sentinel, follows it by itself.
 */
describe("RedisCacheClient through Sentinel when the master dies", () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let sentinel: ChildProcess;
  let sentinelPort: number;
  let dir: string;

  beforeAll(async () => {
    master = await startPrivateRedis();
    replica = await startPrivateRedis();
    const r = new Redis(replica.url);
    try {
      await r.call("REPLICAOF", "127.0.0.1", String(master.port));
      await until("replication link", 10_000, async () =>
        /master_link_status:up/.test(await r.info("replication")) ? true : null,
      );
    } finally {
      r.disconnect();
    }
    // The Sentinel starts after the replica is attached, so its first INFO of the master already lists it.
    sentinelPort = await getFreePort();
    dir = mkdtempSync(join(tmpdir(), "qts-sentinel-failover-"));
    const conf = join(dir, "sentinel.conf");
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 5000`,
        "",
      ].join("\n"),
    );
    sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
    const probe = new Redis({ port: sentinelPort, lazyConnect: true, retryStrategy: () => 50 });
    probe.on("error", () => undefined);
    try {
      await until("the replica in the Sentinel's view", 15_000, async () => {
        if (probe.status !== "ready") await probe.connect().catch(() => undefined);
        const replicas = (await probe.call("SENTINEL", "replicas", MASTER_NAME)) as string[][];
        return replicas.some((fields) => fields.includes(String(replica.port))) ? true : null;
      });
    } finally {
      probe.disconnect();
    }
  }, 40_000);

  afterAll(async () => {
    if (sentinel && sentinel.exitCode === null) {
      const exited = new Promise((r) => sentinel.once("exit", r));
      sentinel.kill("SIGKILL");
      await exited;
    }
    await master?.destroy();
    await replica?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fails fast while there is no master, then serves from the promoted replica", async () => {
    const client = new RedisCacheClient({
      sentinels: [{ host: "127.0.0.1", port: sentinelPort }],
      name: MASTER_NAME,
      namespace: "failover:",
    });
    try {
      await client.ready();
      expect(await client.set("pos:AAPL", { qty: "12.5" }, 60_000)).toBe(true);
      // Make sure the write reached the replica before the master goes (WAIT 1 replica, 2 s).
      const m = new Redis(master.url);
      expect(await m.call("WAIT", "1", "2000")).toBe(1);
      m.disconnect();

      await master.kill();
      const killedAt = Date.now();
      // While no master is reachable, calls reject with CacheUnavailableError quickly rather than hanging.
      const during = Date.now();
      const error = await client.get("pos:AAPL").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheUnavailableError);
      expect(Date.now() - during).toBeLessThan(1_500);

      const recovered = await until("a read through the promoted replica", 30_000, () =>
        client.get("pos:AAPL"),
      );
      expect(recovered).toEqual({ qty: "12.5" });
      console.info(
        `[sentinel failover] client served again ${Date.now() - killedAt} ms after the master died`,
      );
      expect(await client.set("pos:MSFT", { qty: "-3" }, 60_000)).toBe(true);
      const promoted = new Redis(replica.url);
      try {
        expect(await promoted.call("ROLE").then((role) => (role as unknown[])[0])).toBe("master");
        expect(await promoted.hgetall("failover:pos:MSFT")).toEqual({ qty: "-3" });
      } finally {
        promoted.disconnect();
      }
      expect(await client.healthCheck()).toMatchObject({ healthy: true, source: "redis-sentinel" });
    } finally {
      await client.close();
    }
  }, 60_000);
});
