import { describe, expect, it } from "vitest";
import { QTS_VARIABLES, unknownQtsVariables, warnUnknownQtsVariables } from "../src/index.js";

describe("QTS_* variables", () => {
  it("every variable has a name, a default and an effect; names are unique", () => {
    const names = QTS_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of QTS_VARIABLES) {
      expect(v.name).toMatch(/^QTS_[A-Z0-9_]+$/);
      expect(v.effect.length).toBeGreaterThan(5);
    }
  });

  it("reports unknown QTS_* variables with the closest known name; ignores other variables", () => {
    const unknown = unknownQtsVariables({
      QTS_REDIS_UR: "redis://x",
      QTS_DB_POOL_MAXX: "3",
      QTS_SOMETHING_ELSE_ENTIRELY: "1",
      QTS_DB_DSN: "postgres://h/db",
      PATH: "/bin",
    });
    expect(unknown.map((u) => [u.variable, u.suggestion])).toEqual([
      ["QTS_DB_POOL_MAXX", "QTS_DB_POOL_MAX"],
      ["QTS_REDIS_UR", "QTS_REDIS_URL"],
      ["QTS_SOMETHING_ELSE_ENTIRELY", null],
    ]);
    expect(unknown[1]!.message).toBe(
      "unknown variable QTS_REDIS_UR (did you mean QTS_REDIS_URL?): no QTS package reads it",
    );
  });

  it("warns once per variable and receiver", () => {
    const seen: string[] = [];
    const sink = (m: string) => seen.push(m);
    warnUnknownQtsVariables({ QTS_REDIS_PORTT: "1" }, sink);
    warnUnknownQtsVariables({ QTS_REDIS_PORTT: "1" }, sink);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain("did you mean QTS_REDIS_PORT?");
  });
});
