import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, MAIN } from "./helpers/cli.js";

beforeAll(() => ensureBuilt(), 120_000);

/** Starts `qts replay` with `args` and resolves the /metrics URL it prints on stderr. */
function startReplay(args: string[]): { child: ChildProcess; url: Promise<string>; exit: Promise<number> } {
  const child = spawn(process.execPath, [MAIN, "replay", "--quiet", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /metrics: (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once("exit", () => reject(new Error(`replay exited before serving metrics: ${stderr}`)));
  });
  const exit = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  child.stdout!.resume();
  return { child, url, exit };
}

describe("qts replay --metrics-port", () => {
  it("serves /metrics while it runs; the scrape passes promtool check metrics", async () => {
    const run = startReplay([
      "--metrics-port",
      "0",
      "--minutes",
      "10",
      "--min-duration-ms",
      "3000",
      "--hold",
    ]);
    try {
      const url = await run.url;
      // Scrape mid-run until the replay has pushed prices, then once more after the summary (held).
      let body = "";
      for (
        let i = 0;
        i < 60 && !/qts_cache_hits_total\{manager="replay",type="price"\} [1-9]/.test(body);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
        body = await (await fetch(url)).text();
      }
      expect(body).toMatch(/qts_cache_hits_total\{manager="replay",type="price"\} [1-9]/);
      expect(body).toMatch(/qts_circuit_state\{manager="replay",state="CLOSED"\} 1/);
      expect(body).toMatch(
        /qts_store_operation_duration_seconds_count\{store="memory",operation="appendTicks",outcome="ok"\} [1-9]/,
      );
      expect(body).toMatch(
        /qts_cache_operation_duration_seconds_bucket\{le="[^"]+",client="cache",operation="get",outcome="ok"\}/,
      );
      const check = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
      if (check.error)
        throw new Error(`promtool is required (apt-get install -y prometheus): ${check.error.message}`);
      expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
      expect(check.status).toBe(0);
      // --hold keeps serving after the run; SIGTERM ends it with the run's exit code.
      await new Promise((r) => setTimeout(r, 3500));
      expect((await fetch(url)).status).toBe(200);
      run.child.kill("SIGTERM");
      expect(await run.exit).toBe(0);
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 60_000);

  it("--hold without --metrics-port is a usage error (exit 2)", async () => {
    const r = spawnSync(process.execPath, [MAIN, "replay", "--hold"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--hold needs --metrics-port");
  });
});
