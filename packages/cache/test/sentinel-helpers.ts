import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFreePort } from "@qts/testkit";
import { Redis } from "ioredis";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 50 ms until it returns non-null; throws with the last error after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
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

export interface PrivateSentinel {
  readonly port: number;
  /** Runs `SENTINEL <args>` against this Sentinel (a fresh connection per call). */
  command(...args: string[]): Promise<unknown>;
  /** SIGKILL and remove its directory. */
  destroy(): Promise<void>;
}

/**
 * One throwaway `redis-server --sentinel` on a loopback port monitoring `masterName` at 127.0.0.1:`masterPort`
 * with quorum 1; resolves once it reports that master's address.
 */
export async function startSentinel(
  masterName: string,
  masterPort: number,
  options: { downAfterMs?: number; failoverTimeoutMs?: number } = {},
): Promise<PrivateSentinel> {
  const port = await getFreePort();
  const dir = mkdtempSync(join(tmpdir(), "qts-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  const lines = [
    `port ${port}`,
    "bind 127.0.0.1",
    `dir ${dir}`,
    `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
    `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
  ];
  if (options.failoverTimeoutMs !== undefined)
    lines.push(`sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs}`);
  writeFileSync(conf, `${lines.join("\n")}\n`);
  const child: ChildProcess = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
  const command = async (...args: string[]): Promise<unknown> => {
    const r = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on("error", () => undefined);
    try {
      await r.connect();
      return await r.call("SENTINEL", ...args);
    } finally {
      r.disconnect();
    }
  };
  const destroy = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until("the Sentinel", 10_000, async () => {
      const addr = (await command("get-master-addr-by-name", masterName)) as string[] | null;
      return addr?.[1] === String(masterPort) ? true : null;
    });
  } catch (error) {
    await destroy();
    throw error;
  }
  return { port, command, destroy };
}
