// A child process of cross-process-fills.test.ts: one engine booking fills through its own CacheManager over
// the shared Redis and PostgreSQL. Prints `ready` once connected, then (after the parent's "go" on stdin) one
// line per acknowledged fill: `ack <symbol> <version>`, then `done <n>`. Configured by environment variables (see the test).
import { RedisCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { DataSourceUnavailableError, fill } from "@qts/contracts";
import { createDataSource } from "@qts/db-adapters";

const env = process.env;
const writer = env.WRITER_ID ?? "w";
const count = Number(env.FILLS ?? "500");
const symbols = (env.SYMBOLS ?? "A,B,C,D").split(",");

const db = createDataSource({ mode: "DB_ONLY", dbDsn: env.PG_URL }, { timescale: { schema: env.PG_SCHEMA } });
const client = new RedisCacheClient({ url: env.REDIS_URL, namespace: env.REDIS_NAMESPACE });
const manager = new CacheManager(client, db, { metricsIntervalMs: 0, ttlOverridesMs: { position: 120_000 } });
await client.ready();
await db.fetchPositions(); // the pool is connected too
process.stdout.write("ready\n");

// Both writers wait for the parent's "go" on stdin, so they start together.
await new Promise((resolve) => process.stdin.once("data", resolve));
process.stdin.destroy(); // an open stdin would keep this process alive

for (let i = 0; i < count; i++) {
  const symbol = symbols[i % symbols.length];
  const f = fill({
    fillId: `${writer}-${i}`,
    symbol,
    side: i % 3 === 2 ? "SELL" : "BUY",
    qty: "1",
    price: String(100 + (i % 17)),
    timestamp: Date.now(),
  });
  for (;;) {
    try {
      const r = await manager.applyFill(f);
      // reported at once: the parent's floor is what was acknowledged before its sample
      process.stdout.write(`ack ${symbol} ${r.position.version}\n`);
      break;
    } catch (err) {
      if (!(err instanceof DataSourceUnavailableError)) throw err;
    }
  }
}
process.stdout.write(`done ${count}\n`);
await manager.close();
await client.close();
await db.close();
