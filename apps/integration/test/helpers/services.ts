import { CacheManager } from "@qts/cache-manager";
import type { DataSourceAdapter, EventSink, QtsEvent } from "@qts/contracts";
import { createDataSource, fixedTokenAuth, GoogleSheetsAdapter, migrateDataSource } from "@qts/db-adapters";
import {
  createTestSchema,
  pgTestUrl,
  redisTestUrl,
  ServiceUnavailableError,
  type SheetsEmulator,
} from "@qts/testkit";
import { Redis } from "ioredis";

/**
 * Runs `start`; when the service binary is missing and skipping was allowed (`QTS_TEST_ALLOW_SKIP=1`, never in
 * CI), warns and resolves null so the caller can skip. Otherwise (and for every other error) it throws.
 */
export async function service<T>(start: () => Promise<T>): Promise<T | null> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof ServiceUnavailableError && err.skippable) {
      console.warn(`skipping: ${err.message}`);
      return null;
    }
    throw err;
  }
}

export const pgUrl = await service(() => pgTestUrl());
export const redisUrl = await service(() => redisTestUrl());

/** A migrated Timescale/PostgreSQL store in a fresh schema; `drop()` closes it and drops the schema. */
export async function pgStore(
  url: string,
  prefix = "it",
): Promise<{ db: DataSourceAdapter; schema: string; drop(): Promise<void> }> {
  const s = await createTestSchema(url, prefix);
  const db = createDataSource({ mode: "DB_ONLY", dbDsn: url }, { timescale: { schema: s.schema } });
  await migrateDataSource(db);
  return {
    db,
    schema: s.schema,
    async drop() {
      await db.close().catch(() => undefined);
      await s.drop();
    },
  };
}

/** Keeps every event. */
export class EventLog implements EventSink {
  readonly events: QtsEvent[] = [];
  publish(e: QtsEvent): void {
    this.events.push(e);
  }
  of(type: string): QtsEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** Every key under `ns` (SCAN, never KEYS on a shared server). */
export async function keysUnder(raw: Redis, ns: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await raw.scan(
      cursor,
      "MATCH",
      `${ns.replace(/[*?[\]\\]/g, "\\$&")}*`,
      "COUNT",
      500,
    );
    cursor = next;
    out.push(...keys);
  } while (cursor !== "0");
  return out;
}

export function rawRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Polls `cond` every 20 ms until true or `timeoutMs` elapsed; resolves whether it became true. */
export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

export { CacheManager };

/** A new spreadsheet with the four tabs in `emu`, and a `GoogleSheetsAdapter` on it. */
export function emulatedSheets(emu: SheetsEmulator): { id: string; sheets: GoogleSheetsAdapter } {
  const id = emu.createSpreadsheet({ tabs: ["positions", "ledger", "ohlcv", "ticks"] });
  const sheets = new GoogleSheetsAdapter({
    spreadsheetId: id,
    rootUrl: emu.rootUrl,
    auth: fixedTokenAuth("t"),
  });
  return { id, sheets };
}
