import { sleep } from "@qts/contracts";

/** What chaos needs of a server: the testkit's `PrivateRedis` fits. */
export interface ChaosTarget {
  pause(): void;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export interface ChaosPlan {
  /** When the server is SIGSTOPped (hung: accepts connections, answers nothing), ms after the start. */
  readonly pauseAtMs: number;
  /** How long it stays hung before it is SIGKILLed (a crash). */
  readonly hungMs: number;
  /** How long it stays dead before it is started again on the same port (empty). */
  readonly downMs: number;
}

export const DEFAULT_CHAOS_PLAN: ChaosPlan = Object.freeze({ pauseAtMs: 1200, hungMs: 1500, downMs: 1000 });

export interface ChaosStep {
  readonly atMs: number;
  readonly action: string;
}

/** Runs the plan against the target in the background; `done` settles when the server is back. */
export function runChaos(
  target: ChaosTarget,
  plan: ChaosPlan,
  t0: number,
  timeline: ChaosStep[],
): Promise<void> {
  const at = (action: string) => timeline.push({ atMs: Math.round(performance.now() - t0), action });
  return (async () => {
    await sleep(plan.pauseAtMs);
    target.pause();
    at("redis SIGSTOP (hung)");
    await sleep(plan.hungMs);
    await target.kill();
    at("redis SIGKILL (crashed)");
    await sleep(plan.downMs);
    await target.start();
    at("redis restarted (empty)");
  })();
}

/** Total length of the plan in ms. */
export function chaosSpanMs(plan: ChaosPlan): number {
  return plan.pauseAtMs + plan.hungMs + plan.downMs;
}
