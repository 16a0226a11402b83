import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFreePort, type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCacheClient } from "../src/index.js";

/** One Sentinel (quorum 1) watching a private redis-server: enough to show the `sentinels` + `name` path. */
describe("RedisCacheClient through Redis Sentinel", () => {
  let master: PrivateRedis;
  let sentinel: ChildProcess;
  let sentinelPort: number;
  let dir: string;

  beforeAll(async () => {
    master = await startPrivateRedis();
    sentinelPort = await getFreePort();
    dir = mkdtempSync(join(tmpdir(), "qts-sentinel-"));
    const conf = join(dir, "sentinel.conf");
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor qts-master 127.0.0.1 ${master.port} 1`,
        "sentinel down-after-milliseconds qts-master 1000",
        "",
      ].join("\n"),
    );
    sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
    const probe = new Redis({ port: sentinelPort, lazyConnect: true, retryStrategy: () => 50 });
    probe.on("error", () => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if (probe.status !== "ready") await probe.connect().catch(() => undefined);
        const addr = (await probe.call("SENTINEL", "get-master-addr-by-name", "qts-master")) as
          | string[]
          | null;
        if (addr?.[1] === String(master.port)) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error("Sentinel did not come up");
      await new Promise((r) => setTimeout(r, 50));
    }
    probe.disconnect();
  });

  afterAll(async () => {
    if (sentinel && sentinel.exitCode === null) {
      const exited = new Promise((r) => sentinel.once("exit", r));
      sentinel.kill("SIGKILL");
      await exited;
    }
    await master?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds the master through the Sentinel and works", async () => {
    const client = new RedisCacheClient({
      sentinels: [{ host: "127.0.0.1", port: sentinelPort }],
      name: "qts-master",
      namespace: "sentinel:",
    });
    try {
      expect(client.mode).toBe("sentinel");
      await client.ready();
      expect(await client.set("pos:AAPL", { qty: "1" }, 5000)).toBe(true);
      expect(await client.get("pos:AAPL")).toEqual({ qty: "1" });
      expect((await client.getMany(["pos:AAPL", "x"])).get("x")).toBeNull();
      expect(await client.healthCheck()).toMatchObject({ healthy: true, source: "redis-sentinel" });
      const direct = new Redis(master.url);
      expect(await direct.hgetall("sentinel:pos:AAPL")).toEqual({ qty: "1" });
      await direct.quit();
    } finally {
      await client.close();
    }
  });
});
