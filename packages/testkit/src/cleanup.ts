import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { isAlive, processStartTime, signal, sleepSync } from "./process.js";
import { REAPER_SOURCE } from "./reaper-script.js";

/**
 * Process-wide registry of things to clean up: server processes and temp dirs.
 *
 * Two mechanisms, so nothing outlives the test process however it ends:
 * - a synchronous `process.on("exit")` handler (normal exit, `process.exit()`);
 * - a detached watchdog ("reaper") that cleans up when the test process dies
 *   without running exit handlers (SIGTERM from vitest, SIGKILL, a crash).
 * State lives on `globalThis` so re-evaluated copies of this module (vitest
 * module isolation) share one registry, one exit handler and one reaper.
 */

export type Resource =
  | { kind: "process"; pid: number; startTime: string | null; signal: NodeJS.Signals; graceMs: number }
  | { kind: "dir"; path: string };

interface State {
  resources: Map<number, Resource>;
  nextId: number;
  reaper: ChildProcess | null;
  reaperFailed: boolean;
  exitHandlerInstalled: boolean;
}

const KEY = Symbol.for("@qts/testkit.cleanup");

function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  let s = g[KEY];
  if (s === undefined) {
    s = { resources: new Map(), nextId: 1, reaper: null, reaperFailed: false, exitHandlerInstalled: false };
    g[KEY] = s;
  }
  return s;
}

/** True when QTS_TEST_KEEP asks to keep temp dirs (data, logs) for debugging. */
export function keepTempDirs(): boolean {
  const v = process.env.QTS_TEST_KEEP?.trim().toLowerCase();
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

function send(message: unknown): void {
  const s = state();
  const stdin = s.reaper?.stdin;
  if (!stdin || stdin.destroyed) return;
  try {
    stdin.write(`${JSON.stringify(message)}\n`);
  } catch {
    // the reaper is gone; the exit handler still works
  }
}

function ensureReaper(): void {
  const s = state();
  if (s.reaper !== null || s.reaperFailed) return;
  try {
    const child = spawn(process.execPath, ["-e", REAPER_SOURCE], {
      cwd: "/",
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    child.on("error", () => {
      s.reaperFailed = true;
      s.reaper = null;
    });
    child.stdin?.on("error", () => {});
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    s.reaper = child;
    for (const [id, r] of s.resources) send({ op: "add", id, r });
  } catch {
    s.reaperFailed = true;
  }
}

function ensureExitHandler(): void {
  const s = state();
  if (s.exitHandlerInstalled) return;
  s.exitHandlerInstalled = true;
  process.on("exit", cleanupAllSync);
}

function track(r: Resource): () => void {
  const s = state();
  ensureExitHandler();
  ensureReaper();
  const id = s.nextId++;
  s.resources.set(id, r);
  send({ op: "add", id, r });
  return () => {
    if (s.resources.delete(id)) send({ op: "del", id });
  };
}

/**
 * Registers a server process to stop at exit: `sig` first (SIGQUIT makes
 * PostgreSQL do an immediate shutdown), SIGKILL after `graceMs`.
 * Returns a function that unregisters it (call it once the process is gone).
 */
export function trackProcess(pid: number, sig: NodeJS.Signals = "SIGKILL", graceMs = 0): () => void {
  return track({ kind: "process", pid, startTime: processStartTime(pid), signal: sig, graceMs });
}

/** Registers a temp dir to remove at exit (unless QTS_TEST_KEEP is set). */
export function trackDir(path: string): () => void {
  if (keepTempDirs()) return () => {};
  return track({ kind: "dir", path });
}

/** Registers a stray file (e.g. a crashed server's shared memory segment) to remove at exit. */
export function trackFile(path: string): () => void {
  return track({ kind: "dir", path });
}

/** Removes a temp dir now (or keeps it and says where, under QTS_TEST_KEEP). */
export function removeDir(path: string): void {
  if (keepTempDirs()) {
    process.stderr.write(`@qts/testkit: QTS_TEST_KEEP is set, keeping ${path}\n`);
    return;
  }
  rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/** Stops every registered process and removes every registered dir, synchronously. */
export function cleanupAllSync(): void {
  const s = state();
  const all = [...s.resources.values()];
  s.resources.clear();
  const procs = all.filter(
    (r): r is Extract<Resource, { kind: "process" }> => r.kind === "process" && isAlive(r.pid, r.startTime),
  );
  for (const r of procs) {
    try {
      signal(r.pid, "SIGCONT");
      signal(r.pid, r.signal);
    } catch {
      // not ours to signal any more
    }
  }
  const deadline = Date.now() + Math.max(0, ...procs.map((r) => r.graceMs));
  let left = procs.filter((r) => isAlive(r.pid, r.startTime));
  while (left.length > 0 && Date.now() < deadline) {
    sleepSync(10);
    left = left.filter((r) => isAlive(r.pid, r.startTime));
  }
  for (const r of left) {
    try {
      signal(r.pid, "SIGKILL");
    } catch {
      // ignore
    }
  }
  for (const r of all) {
    if (r.kind === "dir") {
      try {
        rmSync(r.path, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
      } catch {
        // best effort; the reaper tries again
        s.resources.set(s.nextId++, r);
      }
    }
  }
  if (s.resources.size === 0) send({ op: "clear" });
}
