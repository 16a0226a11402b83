import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { positionFromHash } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { keysUnder, pgStore, pgUrl, rawRedis, redisUrl } from "./helpers/services.js";

const WRITER = join(dirname(fileURLToPath(import.meta.url)), "helpers", "fill-writer.mjs");
const SYMBOLS = ["XA", "XB", "XC", "XD"];
const FILLS = 500;

interface Writer {
  child: ChildProcess;
  /** performance.now() of each ack, and of `done`. */
  ready: boolean;
  firstAckAt: number | null;
  doneAt: number | null;
  acks: number;
  exited: Promise<number | null>;
  stderr: string[];
}

/**
 * Issue 13: two engine processes (real OS child processes, each with its own CacheManager, RedisCacheClient and
 * PostgreSQL pool) book fills into the same symbols at once. The parent samples the cache while they run: a
 * cached position is never older than a version already acknowledged to either writer, and at the end the
 * cache equals the store.
 */
describe.skipIf(pgUrl === null || redisUrl === null)(
  "two OS processes booking fills into one Redis and one PostgreSQL",
  () => {
    it("2 × 500 fills into 4 symbols: no sample below an acknowledged version; final cache == store", async () => {
      const store = await pgStore(pgUrl!, "xproc");
      const ns = `qts:xproc:${randomBytes(4).toString("hex")}:`;
      const raw = rawRedis(redisUrl!);
      const acked = new Map<string, number>(SYMBOLS.map((s) => [s, 0]));
      const writers: Writer[] = [];
      try {
        for (const id of ["w1", "w2"]) {
          const child = spawn(process.execPath, [WRITER], {
            env: {
              ...process.env,
              WRITER_ID: id,
              FILLS: String(FILLS),
              SYMBOLS: SYMBOLS.join(","),
              PG_URL: pgUrl!,
              PG_SCHEMA: store.schema,
              REDIS_URL: redisUrl!,
              REDIS_NAMESPACE: ns,
            },
            stdio: ["pipe", "pipe", "pipe"],
          });
          const w: Writer = {
            child,
            ready: false,
            firstAckAt: null,
            doneAt: null,
            acks: 0,
            stderr: [],
            exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
          };
          child.stderr?.on("data", (d: Buffer) => w.stderr.push(d.toString()));
          createInterface({ input: child.stdout! }).on("line", (line) => {
            const [kind, symbol, version] = line.split(" ");
            if (kind === "ack" && symbol !== undefined) {
              w.firstAckAt ??= performance.now();
              w.acks++;
              acked.set(symbol, Math.max(acked.get(symbol) ?? 0, Number(version)));
            } else if (kind === "ready") w.ready = true;
            else if (kind === "done") w.doneAt = performance.now();
          });
          writers.push(w);
        }
        const connectBy = performance.now() + 30_000; // both connected (node start, pool, Redis) before "go"
        while (!writers.every((w) => w.ready)) {
          const gone = writers.find((w) => w.child.exitCode !== null);
          if (gone !== undefined)
            throw new Error(`a writer exited before it was ready: ${gone.stderr.join("")}`);
          if (performance.now() > connectBy) throw new Error("writers not ready within 30 s");
          await new Promise((r) => setTimeout(r, 20));
        }
        for (const w of writers) w.child.stdin?.end("go\n");

        let samples = 0;
        const violations: string[] = [];
        const running = () => writers.some((w) => w.doneAt === null && w.child.exitCode === null);
        const deadline = performance.now() + 90_000;
        while (running() && performance.now() < deadline) {
          for (const symbol of SYMBOLS) {
            const floor = acked.get(symbol) ?? 0; // read BEFORE the sample is taken
            const version = await raw.hget(`${ns}pos:${symbol}`, "version");
            samples++;
            if (version !== null && Number(version) < floor) {
              violations.push(`${symbol}: cached ${version} < acknowledged ${floor}`);
            }
          }
          await new Promise((r) => setImmediate(r));
        }
        const codes = await Promise.all(writers.map((w) => w.exited));
        expect(codes, writers.map((w) => w.stderr.join("")).join("\n")).toEqual([0, 0]);
        expect(writers.map((w) => w.acks)).toEqual([FILLS, FILLS]);
        // They really ran at the same time: each started before the other finished.
        const [a, b] = writers as [Writer, Writer];
        expect(a.firstAckAt!).toBeLessThan(b.doneAt!);
        expect(b.firstAckAt!).toBeLessThan(a.doneAt!);
        expect(samples).toBeGreaterThan(100);
        expect(violations).toEqual([]);

        // At the end the cache equals the store, and the store holds every fill once.
        expect((await keysUnder(raw, ns)).sort()).toEqual(SYMBOLS.map((s) => `${ns}pos:${s}`).sort());
        let total = 0;
        for (const symbol of SYMBOLS) {
          const stored = await store.db.fetchPosition(symbol);
          const cached = positionFromHash(await raw.hgetall(`${ns}pos:${symbol}`));
          expect(stored).not.toBeNull();
          expect(cached.version).toBe(stored!.version);
          expect(cached.qty.eq(stored!.qty)).toBe(true);
          expect(cached.avgPrice.eq(stored!.avgPrice)).toBe(true);
          expect(cached.realizedPnl.eq(stored!.realizedPnl)).toBe(true);
          total += stored!.version;
        }
        expect(total).toBe(2 * FILLS);
        const ledger = await store.db.fetchLedger({ limit: 10_000 });
        expect(ledger.length).toBe(2 * FILLS);
        console.log(
          `cross-process: ${samples} samples, ${2 * FILLS} fills in ${Math.round(
            Math.max(a.doneAt!, b.doneAt!) - Math.min(a.firstAckAt!, b.firstAckAt!),
          )} ms`,
        );
      } finally {
        for (const w of writers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
        const ks = await keysUnder(raw, ns);
        if (ks.length > 0) await raw.unlink(...ks);
        raw.disconnect();
        await store.drop();
      }
    }, 120_000);
  },
);
