import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runQts } from "./helpers/cli.js";

beforeAll(() => ensureBuilt(), 120_000);

describe("qts and QTS_* variables", () => {
  it("a misspelt variable is reported with a suggestion; the run still works", async () => {
    const r = await runQts(["replay", "--quiet", "--json", "--minutes", "1", "--symbols", "1"], {
      QTS_REDIS_UR: "redis://127.0.0.1:6379/0",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "qts replay: warning: unknown variable QTS_REDIS_UR (did you mean QTS_REDIS_URL?)",
    );
  });

  it("bad values of several variables are reported at once (exit 2), naming each", async () => {
    const r = await runQts(["health"], {
      QTS_DB_DSN: "postgres://postgres@127.0.0.1:1/test",
      QTS_DB_POOL_MAX: "many",
      QTS_DB_COMMAND_TIMEOUT_MS: "-5",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("QTS_DB_POOL_MAX");
    expect(r.stdout).toContain("QTS_DB_COMMAND_TIMEOUT_MS");
  });

  it("QTS_REDIS_URL alone selects Redis (an unreachable one is reported before the run)", async () => {
    const r = await runQts(["replay", "--quiet", "--json", "--minutes", "1", "--symbols", "1"], {
      QTS_REDIS_URL: "redis://127.0.0.1:1/0",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot connect to Redis at redis://127.0.0.1:1/0");
  });
});
