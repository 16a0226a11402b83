import { sleep } from "@qts/contracts";

/** One step of a chaos plan: `afterMs` after the previous step, `run` it and note `label` on the timeline. */
export interface ChaosAction {
  readonly afterMs: number;
  readonly label: string;
  run(): Promise<void> | void;
}

export interface ChaosStep {
  readonly atMs: number;
  readonly action: string;
}

/** What Redis chaos needs of a server: the testkit's `PrivateRedis` fits. */
export interface RedisChaosTarget {
  pause(): void;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** What PostgreSQL chaos needs of a server: the testkit's `PrivatePostgres` fits. */
export interface PostgresChaosTarget {
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
}

/** Redis hung (SIGSTOP) for 1.5 s, then killed, down 1 s, restarted empty. */
export function redisChaos(target: RedisChaosTarget): ChaosAction[] {
  return [
    { afterMs: 1200, label: "redis SIGSTOP (hung)", run: () => target.pause() },
    { afterMs: 1500, label: "redis SIGKILL (crashed)", run: () => target.kill() },
    { afterMs: 1000, label: "redis restarted (empty)", run: () => target.start() },
  ];
}

/** PostgreSQL crashed twice (`pg_ctl stop -m immediate`: no checkpoint, connections cut mid-statement). */
export function postgresChaos(target: PostgresChaosTarget): ChaosAction[] {
  return [
    {
      afterMs: 1200,
      label: "postgresql stopped -m immediate (crashed)",
      run: () => target.stop("immediate"),
    },
    { afterMs: 1000, label: "postgresql restarted (crash recovery)", run: () => target.start() },
    {
      afterMs: 1500,
      label: "postgresql stopped -m immediate (crashed)",
      run: () => target.stop("immediate"),
    },
    { afterMs: 1000, label: "postgresql restarted (crash recovery)", run: () => target.start() },
  ];
}

/** Runs the plan in the background; settles when its last step has run. */
export function runChaos(actions: readonly ChaosAction[], t0: number, timeline: ChaosStep[]): Promise<void> {
  return (async () => {
    for (const a of actions) {
      await sleep(a.afterMs);
      await a.run();
      timeline.push({ atMs: Math.round(performance.now() - t0), action: a.label });
    }
  })();
}

/** Total length of the plan in ms. */
export function chaosSpanMs(actions: readonly ChaosAction[]): number {
  return actions.reduce((sum, a) => sum + a.afterMs, 0);
}
