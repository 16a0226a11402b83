import { HybridAdapter, InMemoryAdapter, TimescaleAdapter } from "@qts/db-adapters";
import { createTestSchema, pgTestUrl } from "@qts/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { healthNotes } from "../src/verbs/health.js";
import { ensureBuilt, runQts } from "./helpers/cli.js";

beforeAll(() => ensureBuilt(), 120_000);

describe("qts health: replicas, lag, outbox depth", () => {
  it("lists each read replica from QTS_DB_READ_DSN with its state and lag", async () => {
    const url = await pgTestUrl();
    const r = await runQts(["health"], {
      QTS_DB_DSN: url,
      // A primary answers as a replica with no replay lag; the second is down and is skipped.
      QTS_DB_READ_DSN: `${url},postgres://postgres:secret@127.0.0.1:1/none`,
      QTS_DB_MAX_REPLICA_LAG_MS: "500",
    });
    expect(r.stdout).toMatch(/replica .*127\.0\.0\.1:1.*: skipped/);
    expect(r.stdout.match(/^\s+replica /gm)).toHaveLength(2);
    expect(r.stdout).not.toContain("secret");
  }, 60_000);

  it("shows the Hybrid outbox depth and oldest age from healthCheck details", async () => {
    const url = await pgTestUrl();
    const s = await createTestSchema(url, "health_outbox");
    const db = new TimescaleAdapter({ dsn: url, schema: s.schema, pool: { minConnections: 0 } });
    const secondary = new InMemoryAdapter();
    const h = new HybridAdapter(db, secondary, { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    try {
      await db.migrate();
      const down = new Error("secondary down");
      secondary.updatePosition = () => Promise.reject(down);
      await h.updatePosition("AAA", 1, 2);
      await h.updatePosition("AAA", 2, 2);
      const notes = healthNotes((await h.healthCheck()).details);
      expect(notes).toEqual(
        expect.arrayContaining([expect.stringMatching(/^outbox: 2 pending, oldest \d+ ms$/)]),
      );
    } finally {
      await h.close().catch(() => undefined);
      await s.drop();
    }
  }, 60_000);
});
