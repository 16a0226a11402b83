import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const run = promisify(execFile);

/** A plain ioredis 5.11.1 client with its defaults (the baseline client). */
export function rawRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: false });
}

/** HSETs every hash (no TTL) in one pipeline. */
export async function populate(
  r: Redis,
  entries: Iterable<readonly [string, Record<string, string>]>,
): Promise<void> {
  const p = r.pipeline();
  for (const [key, hash] of entries) {
    p.del(key);
    p.hset(key, hash);
  }
  const res = await p.exec();
  const err = res?.find(([e]) => e !== null);
  if (err !== undefined) throw err[0];
}

export async function closeRedis(r: { quit(): Promise<unknown>; disconnect(): void }): Promise<void> {
  await r.quit().catch(() => r.disconnect());
}

/** Whether an executable is on PATH. */
export async function onPath(bin: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${bin}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * redis-benchmark's figure (requests/s) for `HGETALL key` against the server at `url`, with `clients`
 * connections and `pipeline` commands per round trip.
 */
export async function redisBenchmark(
  url: string,
  key: string,
  requests: number,
  clients: number,
  pipeline: number,
): Promise<number> {
  const u = new URL(url);
  const args = ["-h", u.hostname || "127.0.0.1", "-p", u.port || "6379", "-n", String(requests)];
  args.push("-c", String(clients), "-P", String(pipeline), "--csv");
  const db = u.pathname.replace("/", "");
  if (db !== "" && db !== "0") args.push("--dbnum", db);
  if (u.password !== "") args.push("-a", decodeURIComponent(u.password));
  if (u.username !== "") args.push("--user", decodeURIComponent(u.username));
  args.push("HGETALL", key);
  const { stdout } = await run("redis-benchmark", args, { maxBuffer: 1 << 20 });
  // "test","rps",... then "HGETALL ...","45045.05",...
  const line = stdout
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith('"HGETALL'));
  const rps = Number(line?.split('","')[1]);
  if (!Number.isFinite(rps))
    throw new Error(`could not read redis-benchmark output: ${stdout.slice(0, 300)}`);
  return rps;
}
