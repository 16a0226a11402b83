import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { eventually, processGone } from "./helpers.js";

/**
 * A separate Node process starts servers through the built package and then
 * exits in different ways; nothing it started may survive it.
 */
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

const CHILD = `
const tk = await import(process.env.TESTKIT_DIST);
const out = { pids: [], dirs: [] };
if (process.env.WITH_PG === "1") {
  const pg = await tk.startPrivatePostgres();
  out.pids.push(pg.pid);
  out.dirs.push(pg.dataDir);
}
const r = await tk.startPrivateRedis();
out.pids.push(r.pid);
out.dirs.push(r.dir);
r.pause(); // a stopped process must be cleaned up too
process.stdout.write(JSON.stringify(out) + "\\n");
if (process.env.HOW === "exit") process.exit(0);
setInterval(() => {}, 1000);
`;

interface Started {
  pids: number[];
  dirs: string[];
}

async function runChild(how: "exit" | "SIGTERM" | "SIGKILL", withPg: boolean): Promise<Started> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], {
    env: { ...process.env, TESTKIT_DIST: DIST, HOW: how, WITH_PG: withPg ? "1" : "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started = await new Promise<Started>((resolve, reject) => {
    child.stdout.on("data", () => {
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line) resolve(JSON.parse(line) as Started);
    });
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before starting: ${stderr}`)));
  });
  if (how !== "exit") child.kill(how);
  await exited;
  return started;
}

describe("cleanup when the test process ends", () => {
  it.skipIf(!existsSync(DIST))("stops servers and removes dirs on a normal exit", async () => {
    const s = await runChild("exit", true);
    expect(s.pids).toHaveLength(2);
    // The exit handler is synchronous: everything is gone when the process is.
    for (const pid of s.pids) expect(processGone(pid)).toBe(true);
    for (const dir of s.dirs) expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(!existsSync(DIST))("the watchdog cleans up after SIGKILL", async () => {
    const s = await runChild("SIGKILL", true);
    expect(await eventually(() => s.pids.every(processGone), 10_000)).toBe(true);
    expect(await eventually(() => s.dirs.every((d) => !existsSync(d)), 10_000)).toBe(true);
  });

  it.skipIf(!existsSync(DIST))(
    "the watchdog cleans up after SIGTERM (how vitest stops its workers)",
    async () => {
      const s = await runChild("SIGTERM", false);
      expect(await eventually(() => s.pids.every(processGone), 10_000)).toBe(true);
      expect(await eventually(() => s.dirs.every((d) => !existsSync(d)), 10_000)).toBe(true);
    },
  );

  it("the built package exists (run `pnpm --filter @qts/testkit build` first)", () => {
    expect(existsSync(DIST)).toBe(true);
  });
});
