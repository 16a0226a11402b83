import { CacheUnavailableError, ManualClock, ValidationError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { CircuitBreaker, CircuitState, REFUSED } from "../src/index.js";

function setup(
  options: { failureThreshold?: number; recoveryTimeoutMs?: number; probeTimeoutMs?: number } = {},
) {
  const clock = new ManualClock(1_000_000);
  const breaker = new CircuitBreaker({ ...options, clock });
  const changes: [CircuitState, CircuitState][] = [];
  breaker.onStateChange((to, from) => changes.push([to, from]));
  return { clock, breaker, changes };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.recordFailure();
}

describe("CircuitBreaker", () => {
  it("starts CLOSED with the spec defaults", () => {
    const breaker = new CircuitBreaker();
    expect(breaker.state).toBe(CircuitState.CLOSED);
    expect(breaker.failureThreshold).toBe(5);
    expect(breaker.recoveryTimeoutMs).toBe(60_000);
    expect(breaker.failureCount).toBe(0);
    expect(breaker.lastFailureAt).toBeNull();
    expect(breaker.canExecute()).toBe(true);
    expect(CircuitState).toEqual({ CLOSED: "CLOSED", OPEN: "OPEN", HALF_OPEN: "HALF_OPEN" });
    expect(Object.isFrozen(CircuitState)).toBe(true);
  });

  it("CLOSED -> OPEN exactly at the threshold of consecutive failures", () => {
    const { breaker, changes } = setup();
    fail(breaker, 4);
    expect(breaker.state).toBe(CircuitState.CLOSED);
    expect(breaker.failureCount).toBe(4);
    expect(breaker.canExecute()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe(CircuitState.OPEN);
    expect(breaker.failureCount).toBe(5);
    expect(changes).toEqual([[CircuitState.OPEN, CircuitState.CLOSED]]);
  });

  it("a success resets the consecutive-failure count", () => {
    const { breaker } = setup();
    fail(breaker, 4);
    breaker.recordSuccess();
    expect(breaker.failureCount).toBe(0);
    fail(breaker, 4);
    expect(breaker.state).toBe(CircuitState.CLOSED);
    breaker.recordFailure();
    expect(breaker.state).toBe(CircuitState.OPEN);
  });

  it("records when the last failure happened", () => {
    const { breaker, clock } = setup();
    breaker.recordFailure();
    expect(breaker.lastFailureAt).toEqual(new Date(1_000_000));
    clock.advance(250);
    breaker.recordFailure();
    expect(breaker.lastFailureAt?.getTime()).toBe(1_000_250);
    breaker.recordSuccess();
    expect(breaker.lastFailureAt?.getTime()).toBe(1_000_250);
  });

  it("OPEN rejects every call until the recovery time has elapsed, then is HALF_OPEN", () => {
    const { breaker, clock, changes } = setup();
    fail(breaker, 5);
    for (let i = 0; i < 10; i++) expect(breaker.canExecute()).toBe(false);
    clock.advance(59_999);
    expect(breaker.canExecute()).toBe(false);
    expect(breaker.state).toBe(CircuitState.OPEN);
    clock.advance(1);
    expect(breaker.state).toBe(CircuitState.HALF_OPEN);
    expect(changes).toEqual([
      [CircuitState.OPEN, CircuitState.CLOSED],
      [CircuitState.HALF_OPEN, CircuitState.OPEN],
    ]);
  });

  it("HALF_OPEN admits exactly one probe among many concurrent callers", async () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    let admitted = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const call = async () => {
      if (!breaker.canExecute()) return "rejected";
      admitted++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      breaker.recordSuccess();
      return "ran";
    };
    const results = await Promise.all(Array.from({ length: 100 }, call));
    expect(admitted).toBe(1);
    expect(maxInFlight).toBe(1);
    expect(results.filter((r) => r === "ran")).toHaveLength(1);
    expect(breaker.state).toBe(CircuitState.CLOSED);
  });

  it("while the probe is out every other caller is refused; state reads do not admit anyone", () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    expect(breaker.state).toBe(CircuitState.HALF_OPEN);
    expect(breaker.canExecute()).toBe(true);
    expect(breaker.probeInFlight).toBe(true);
    for (let i = 0; i < 20; i++) expect(breaker.canExecute()).toBe(false);
    expect(breaker.state).toBe(CircuitState.HALF_OPEN);
  });

  it("HALF_OPEN + success -> CLOSED, failures count from zero again", () => {
    const { breaker, clock, changes } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    expect(breaker.canExecute()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe(CircuitState.CLOSED);
    expect(breaker.failureCount).toBe(0);
    expect(breaker.canExecute()).toBe(true);
    expect(breaker.canExecute()).toBe(true);
    expect(changes.at(-1)).toEqual([CircuitState.CLOSED, CircuitState.HALF_OPEN]);
    fail(breaker, 4);
    expect(breaker.state).toBe(CircuitState.CLOSED);
  });

  it("HALF_OPEN + failure -> OPEN, and the recovery wait starts again", () => {
    const { breaker, clock, changes } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    expect(breaker.canExecute()).toBe(true);
    clock.advance(500);
    breaker.recordFailure();
    expect(breaker.state).toBe(CircuitState.OPEN);
    expect(changes.at(-1)).toEqual([CircuitState.OPEN, CircuitState.HALF_OPEN]);
    clock.advance(59_999);
    expect(breaker.canExecute()).toBe(false);
    clock.advance(1);
    expect(breaker.canExecute()).toBe(true);
    expect(breaker.state).toBe(CircuitState.HALF_OPEN);
  });

  it("a late failure while OPEN restarts the recovery wait; a late success does not close it", () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    clock.advance(30_000);
    breaker.recordFailure();
    clock.advance(30_000);
    expect(breaker.canExecute()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe(CircuitState.OPEN);
    expect(breaker.canExecute()).toBe(false);
    clock.advance(30_000);
    expect(breaker.canExecute()).toBe(true);
  });

  it("a probe that never reports is presumed lost after probeTimeoutMs", () => {
    const { breaker, clock } = setup({ recoveryTimeoutMs: 1000, probeTimeoutMs: 300 });
    fail(breaker, 5);
    clock.advance(1000);
    expect(breaker.canExecute()).toBe(true);
    clock.advance(299);
    expect(breaker.canExecute()).toBe(false);
    clock.advance(1);
    expect(breaker.canExecute()).toBe(true);
    expect(breaker.canExecute()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe(CircuitState.CLOSED);
  });

  it("releaseProbe frees the slot without judging; reset closes with no failures", () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    expect(breaker.canExecute()).toBe(true);
    breaker.releaseProbe();
    expect(breaker.canExecute()).toBe(true);
    breaker.reset();
    expect(breaker.state).toBe(CircuitState.CLOSED);
    expect(breaker.failureCount).toBe(0);
  });

  it("calls listeners with (to, from), survives a throwing listener, and unsubscribes", () => {
    const { breaker, clock } = setup({ failureThreshold: 1 });
    const seen: string[] = [];
    breaker.onStateChange(() => {
      throw new Error("listener bug");
    });
    const off = breaker.onStateChange((to, from) => seen.push(`${from}->${to}`));
    expect(() => breaker.recordFailure()).not.toThrow();
    clock.advance(60_000);
    expect(breaker.canExecute()).toBe(true);
    breaker.recordSuccess();
    expect(seen).toEqual(["CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"]);
    off();
    breaker.recordFailure();
    expect(breaker.state).toBe(CircuitState.OPEN);
    expect(seen).toHaveLength(3);
  });

  it("honours a custom threshold and recovery time", () => {
    const { breaker, clock } = setup({ failureThreshold: 2, recoveryTimeoutMs: 250 });
    breaker.recordFailure();
    expect(breaker.state).toBe(CircuitState.CLOSED);
    breaker.recordFailure();
    expect(breaker.state).toBe(CircuitState.OPEN);
    clock.advance(249);
    expect(breaker.canExecute()).toBe(false);
    clock.advance(1);
    expect(breaker.canExecute()).toBe(true);
  });

  it("with recoveryTimeoutMs 0 the next call after opening is the probe", () => {
    const { breaker } = setup({ failureThreshold: 1, recoveryTimeoutMs: 0 });
    breaker.recordFailure();
    expect(breaker.canExecute()).toBe(true);
    expect(breaker.canExecute()).toBe(false);
  });

  describe("call tokens", () => {
    it("a late success of a call admitted before the circuit opened does not close it in HALF_OPEN", () => {
      const { breaker, clock, changes } = setup();
      const late = breaker.admit();
      expect(late).not.toBe(REFUSED);
      fail(breaker, 5);
      clock.advance(60_000);
      const probe = breaker.admit();
      expect(probe).not.toBe(REFUSED);
      expect(breaker.isProbe(probe)).toBe(true);
      expect(breaker.isProbe(late)).toBe(false);
      breaker.recordSuccess(late);
      expect(breaker.state).toBe(CircuitState.HALF_OPEN);
      expect(breaker.probeInFlight).toBe(true);
      expect(breaker.admit()).toBe(REFUSED); // the probe is still out
      breaker.recordSuccess(probe);
      expect(breaker.state).toBe(CircuitState.CLOSED);
      expect(changes.at(-1)).toEqual([CircuitState.CLOSED, CircuitState.HALF_OPEN]);
    });

    it("a late failure does not re-open a HALF_OPEN circuit, nor restart the wait while OPEN", () => {
      const { breaker, clock } = setup();
      const late = [breaker.admit(), breaker.admit()];
      fail(breaker, 5);
      clock.advance(59_000);
      breaker.recordFailure(late[0]);
      clock.advance(1_000);
      const probe = breaker.admit();
      expect(breaker.isProbe(probe)).toBe(true);
      breaker.recordFailure(late[1]);
      expect(breaker.state).toBe(CircuitState.HALF_OPEN);
      expect(breaker.failureCount).toBe(5);
      breaker.recordFailure(probe);
      expect(breaker.state).toBe(CircuitState.OPEN);
      expect(breaker.failureCount).toBe(6);
    });

    it("a lost probe's late result does not decide for the probe that replaced it", () => {
      const { breaker, clock } = setup({ recoveryTimeoutMs: 1000, probeTimeoutMs: 300 });
      fail(breaker, 5);
      clock.advance(1000);
      const lost = breaker.admit();
      clock.advance(300);
      const probe = breaker.admit();
      expect(probe).not.toBe(REFUSED);
      expect(breaker.isProbe(lost)).toBe(false);
      breaker.recordSuccess(lost);
      expect(breaker.state).toBe(CircuitState.HALF_OPEN);
      breaker.releaseProbe(lost); // not the probe's token: no effect
      expect(breaker.admit()).toBe(REFUSED);
      breaker.releaseProbe(probe);
      expect(breaker.probeInFlight).toBe(false);
    });

    it("CLOSED calls share a token; results of the current epoch count as without a token", () => {
      const { breaker } = setup();
      const a = breaker.admit();
      const b = breaker.admit();
      expect(a).toBe(b);
      for (let i = 0; i < 4; i++) breaker.recordFailure(a);
      breaker.recordSuccess(b);
      expect(breaker.failureCount).toBe(0);
      fail(breaker, 5);
      expect(breaker.state).toBe(CircuitState.OPEN);
      expect(breaker.admit()).toBe(REFUSED);
    });

    it("execute runs fn, records its outcome, tells the probe it is one, and refuses while OPEN", async () => {
      const { breaker, clock } = setup({ failureThreshold: 2 });
      const seen: boolean[] = [];
      const seven = (probe: boolean) => {
        seen.push(probe);
        return 7;
      };
      expect(await breaker.execute(seven)).toBe(7);
      const boom = new Error("boom");
      await expect(breaker.execute(() => Promise.reject(boom))).rejects.toBe(boom);
      expect(breaker.failureCount).toBe(1);
      await expect(breaker.execute(() => Promise.reject(boom))).rejects.toBe(boom);
      expect(breaker.state).toBe(CircuitState.OPEN);
      let ran = false;
      await expect(breaker.execute(() => (ran = true))).rejects.toBeInstanceOf(CacheUnavailableError);
      expect(ran).toBe(false);
      clock.advance(60_000);
      let release!: () => void;
      const probe = breaker.execute(async (isProbe) => {
        seen.push(isProbe);
        await new Promise<void>((r) => (release = r));
        return "probed";
      });
      await expect(breaker.execute(() => 1)).rejects.toBeInstanceOf(CacheUnavailableError);
      expect(breaker.state).toBe(CircuitState.HALF_OPEN);
      release();
      expect(await probe).toBe("probed");
      expect(breaker.state).toBe(CircuitState.CLOSED);
      expect(seen).toEqual([false, true]);
    });

    it("execute: a call that started before the circuit opened and succeeds late does not close it", async () => {
      const { breaker, clock } = setup({ failureThreshold: 1, recoveryTimeoutMs: 100 });
      let finish!: () => void;
      const slow = breaker.execute(() => new Promise<void>((r) => (finish = r)));
      breaker.recordFailure(breaker.admit());
      expect(breaker.state).toBe(CircuitState.OPEN);
      clock.advance(100);
      expect(breaker.state).toBe(CircuitState.HALF_OPEN);
      finish();
      await slow;
      expect(breaker.state).toBe(CircuitState.HALF_OPEN);
      expect(breaker.canExecute()).toBe(true); // the slot was still free: the late call was not the probe
    });
  });

  it("rejects invalid options with ValidationError", () => {
    for (const failureThreshold of [0, -1, 1.5, Number.NaN, "5" as unknown as number]) {
      expect(() => new CircuitBreaker({ failureThreshold })).toThrow(ValidationError);
    }
    for (const recoveryTimeoutMs of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => new CircuitBreaker({ recoveryTimeoutMs })).toThrow(ValidationError);
    }
    expect(() => new CircuitBreaker({ probeTimeoutMs: 0 })).toThrow(ValidationError);
    expect(() => new CircuitBreaker({ clock: {} as unknown as ManualClock })).toThrow(ValidationError);
  });
});
