import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runQts } from "./helpers/cli.js";

beforeAll(() => ensureBuilt(), 120_000);
const dir = mkdtempSync(join(tmpdir(), "qts-cli-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One line on stderr, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe("qts error paths: one line, what/why/what to do, exit 2 for what the user must fix, 1 at run time", () => {
  it("bad flags and values are usage errors (exit 2) naming the flag, for every verb", async () => {
    for (const args of [
      ["replay", "--minutes", "soon"],
      ["replay", "--bogus"],
      ["health", "extra-arg"],
      ["migrate"],
      ["sync", "--from", "db", "--to", "sheets"],
      ["nosuchverb"],
    ]) {
      const r = await runQts(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^qts( \w+)?: .* — run `qts/);
    }
  });

  it("a malformed --ticks CSV names file, line and column (exit 2)", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(
      file,
      "time,symbol,price,volume\n2024-01-02T14:30:00Z,AAPL,187.5,10\n2024-01-02T14:30:01Z,AAPL,-5,10\n",
    );
    const r = await runQts(["replay", "--ticks", file]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/bad\.csv:3: column "price": .* — fix that line/);
    const dup = join(dir, "dup.csv");
    writeFileSync(dup, "time,symbol,price,volume,volume\n");
    const d = await runQts(["replay", "--ticks", dup]);
    expect(d.code).toBe(2);
    expect(oneLine(d.stderr)).toContain('column "volume" appears twice');
  });

  it("a DSN that cannot be read one way only (unencoded @ in the password): exit 2, advice, nothing sent", async () => {
    const r = await runQts(["replay", "--quiet", "--db", "postgres://app:hunt@r2@127.0.0.1:1/test"]);
    expect(r.code).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain("percent-encode");
    expect(line).not.toContain("hunt@r2");
    expect(line).not.toMatch(/ENOTFOUND|ECONNREFUSED/);
  });

  it("an unreachable database: exit 1, the URL with its password redacted, a hint naming --db", async () => {
    const r = await runQts(["replay", "--quiet", "--db", "postgres://app:hunter2@127.0.0.1:1/test"]);
    expect(r.code).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toContain("postgres://app:***@127.0.0.1:1/test");
    expect(line).not.toContain("hunter2");
    expect(line).toMatch(
      /ECONNREFUSED.* — check that the server is running and that --db \/ QTS_DB_DSN is right$/,
    );
  });

  it("an unreachable spreadsheet: exit 1 and a hint naming the Sheets settings, not --db", async () => {
    const r = await runQts(
      ["health", "--sheets-id", "sheet1", "--sheets-root-url", "http://127.0.0.1:1/", "--sheets-token", "t"],
      {},
      90_000,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^data\s+DOWN\s+sheets sheet1/m);
    expect(r.stdout).toContain(
      "unhealthy: start the service marked DOWN or fix the spreadsheet settings (--sheets-id",
    );
    expect(r.stdout).not.toContain("--db");
  }, 90_000);

  it("an unreachable Redis: exit 1, a hint naming --redis", async () => {
    const r = await runQts(["replay", "--quiet", "--redis", "redis://:pw@127.0.0.1:1/0"]);
    expect(r.code).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toContain("redis://:***@127.0.0.1:1/0");
    expect(line).toMatch(/--redis \/ QTS_REDIS_URL is right$/);
  });
});
