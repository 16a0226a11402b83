import { describe, expect, it } from "vitest";
import { backoffDelayMs, KeyedSerializer, retry, sleep, withTimeout } from "../src/index.js";

describe("async building blocks", () => {
  it("backoffDelayMs: full jitter under a cap that doubles per attempt and stops at maxDelayMs", () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, p))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoffDelayMs(3, { ...p, random: () => 1 })).toBe(800);
    expect(backoffDelayMs(3, { ...p, random: () => 0 })).toBe(0);
  });

  it("withTimeout rejects with the given error at the deadline, or resolves undefined without one", async () => {
    const never = new Promise<number>(() => {});
    await expect(withTimeout(never, 10, () => new Error("too slow"))).rejects.toThrow("too slow");
    expect(await withTimeout(never, 10)).toBeUndefined();
    expect(await withTimeout(Promise.resolve(7), 1000, () => new Error("x"))).toBe(7);
  });

  it("retry: retries retryable failures with backoff, honours a minimum delay, gives up at the deadline", async () => {
    let calls = 0;
    const delays: number[] = [];
    const value = await retry(
      async () => {
        if (++calls < 3) throw new Error(`fail ${calls}`);
        return "ok";
      },
      {
        deadlineMs: 5000,
        baseDelayMs: 1,
        maxDelayMs: 4,
        random: () => 1,
        minDelayMs: () => 2,
        onRetry: (_e, _a, d) => delays.push(d),
      },
    );
    expect(value).toBe("ok");
    expect(delays).toEqual([2, 2]);

    let attempts = 0;
    const err = await retry(
      async () => {
        attempts++;
        throw new Error("down");
      },
      {
        deadlineMs: 30,
        baseDelayMs: 10,
        maxDelayMs: 10,
        random: () => 1,
        giveUp: (e, why) =>
          new Error(`gave up after ${why.attempts} (${why.reason}): ${(e as Error).message}`),
      },
    ).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^gave up after \d+ \(deadline\): down$/);
    expect(attempts).toBeGreaterThanOrEqual(2);

    let once = 0;
    await expect(
      retry(
        async () => {
          once++;
          throw new Error("bad request");
        },
        { deadlineMs: 1000, baseDelayMs: 1, maxDelayMs: 1, retryable: () => false },
      ),
    ).rejects.toThrow("bad request");
    expect(once).toBe(1);
  });

  it("KeyedSerializer runs one key's tasks in call order, other keys concurrently, and survives failures", async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await sleep(ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = s.run("a", task("a1", 20, true));
    const a2 = s.run("a", task("a2", 1));
    const b1 = s.run("b", task("b1", 1));
    expect(s.busy("a")).toBe(true);
    await expect(a1).rejects.toThrow("a1");
    expect(await a2).toBe("a2");
    expect(await b1).toBe("b1");
    await s.idle();
    expect(s.size).toBe(0);
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
  });
});
