// Measures the RedisCacheClient choices on a private redis-server: set by Lua script vs MULTI, and
// auto-pipelining on vs off with 64 calls in flight. The command timeout is raised to 2 s so that a
// busy shared machine shows up as lower throughput, not as failed calls. Run after `pnpm --filter @qts/cache build`:
//   node packages/cache/scripts/measure-redis.mjs
import { startPrivateRedis } from "@qts/testkit";
import { RedisCacheClient } from "../dist/index.js";

const ROUNDS = 7;
const OPS = 10_000;
const IN_FLIGHT = 64;
const hash = {
  symbol: "AAPL",
  qty: "100.5",
  avgPrice: "187.123456",
  realizedPnl: "12.5",
  unrealizedPnl: "-3.25",
  updatedAt: "2026-11-26T23:00:00.000Z",
};

async function run(op, total, inFlight) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await op(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startPrivateRedis();
const results = {};
try {
  const variants = [
    ["script+auto", { setStrategy: "script", enableAutoPipelining: true }],
    ["script+auto*", { setStrategy: "script", enableAutoPipelining: true }],
    ["multi+auto", { setStrategy: "multi", enableAutoPipelining: true }],
    ["script", { setStrategy: "script", enableAutoPipelining: false }],
    ["multi", { setStrategy: "multi", enableAutoPipelining: false }],
  ];
  const clients = Object.fromEntries(
    variants.map(([name, o]) => [
      name,
      new RedisCacheClient({ url: server.url, namespace: `bench:${name}:`, socketTimeoutMs: 2000, ...o }),
    ]),
  );
  for (const c of Object.values(clients)) await c.ready();
  // script+auto* also auto-pipelines the set script (the default leaves it out of auto-pipelining).
  clients["script+auto*"].redis.options.autoPipeliningIgnoredCommands = [];
  const keys = Array.from({ length: 1000 }, (_, i) => `pos:SYM${i}`);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order every round so no variant always runs first on a busy machine.
    const order = Object.entries(clients);
    for (let i = 0; i < round; i++) order.push(order.shift());
    for (const [name, c] of order) {
      const r = (results[name] ??= { set1: [], set64: [], get64: [], getMany64: [] });
      r.set1.push(await run((i) => c.set(keys[i % 1000], hash, 60_000), OPS / 4, 1));
      r.set64.push(await run((i) => c.set(keys[i % 1000], hash, 60_000), OPS, IN_FLIGHT));
      r.get64.push(await run((i) => c.get(keys[i % 1000]), OPS, IN_FLIGHT));
      r.getMany64.push(await run((i) => c.getMany(keys.slice(i % 990, (i % 990) + 10)), OPS / 4, IN_FLIGHT));
    }
  }
  for (const c of Object.values(clients)) await c.close();
} finally {
  await server.destroy();
}
console.log(
  `ops/s, median of ${ROUNDS} rounds (set1 = 1 in flight; others ${IN_FLIGHT} in flight; getMany of 10 keys)`,
);
for (const [name, r] of Object.entries(results)) {
  console.log(
    name.padEnd(12),
    Object.entries(r)
      .map(([k, v]) => `${k}=${Math.round(median(v))}`)
      .join("  "),
  );
}
