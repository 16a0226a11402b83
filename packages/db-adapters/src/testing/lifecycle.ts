import { describe, expect, it } from "vitest";
import { expectUnavailable } from "./expect-helpers.js";
import type { SuiteContext } from "./options.js";

export function lifecycleChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;

  describe("health and close", () => {
    it("healthCheck reports healthy, a source and a latency >= 0", { timeout: t }, async () => {
      const a = ctx.adapter();
      const h = await a.healthCheck();
      expect(h.healthy).toBe(true);
      expect(typeof h.source).toBe("string");
      expect(h.source.length).toBeGreaterThan(0);
      expect(Number.isFinite(h.latencyMs)).toBe(true);
      expect(h.latencyMs).toBeGreaterThanOrEqual(0);
      expect(h.error).toBe("");
      expect(typeof a.name).toBe("string");
      expect(a.name.length).toBeGreaterThan(0);
    });

    it("close resolves, is idempotent, and later calls fail as unavailable", { timeout: t }, async () => {
      const a = ctx.adapter();
      await a.updatePosition("X", 1, 1);
      await a.close();
      await a.close();
      await expectUnavailable(a.fetchPositions());
      await expectUnavailable(a.updatePosition("X", 2, 1));
      const h = await a.healthCheck().catch(() => null);
      if (h !== null) expect(h.healthy).toBe(false);
    });
  });
}
