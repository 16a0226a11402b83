import { setImmediate as yieldNow } from "node:timers/promises";
import { sleep } from "@qts/contracts";
import { type ChaosAction, chaosSpanMs } from "../chaos.js";

/** How long the session must last: `minDurationMs`, and with a chaos plan its span plus 2.5 s. 0 = unpaced. */
export function sessionLengthMs(minDurationMs: number, chaos: readonly ChaosAction[] | undefined): number {
  return Math.max(minDurationMs, chaos ? chaosSpanMs(chaos) + 2500 : 0);
}

/**
 * After minute `minute` of `minutes`: waits until that share of `lengthMs` has passed since `startMs`. Unpaced
 * (`lengthMs` 0) it pauses 1 ms (a timer, not a microtask turn) so the reader loops get their share between
 * batches even on in-memory stores.
 */
export async function paceMinute(minute: number, minutes: number, lengthMs: number, startMs: number) {
  const due = lengthMs > 0 ? (minute / minutes) * lengthMs - (performance.now() - startMs) : 1;
  if (due > 0) await sleep(due);
  else await yieldNow();
}

/** Polls every 50 ms until the circuit is CLOSED or `withinMs` has passed. */
export async function waitForClosed(cache: { readonly circuitState: string }, withinMs: number) {
  const deadline = performance.now() + withinMs;
  while (cache.circuitState !== "CLOSED" && performance.now() < deadline) await sleep(50);
}
