import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for `ms` milliseconds (only for exit handlers). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

const HAVE_PROC = existsSync("/proc/self/stat");

interface ProcStat {
  state: string;
  startTime: string;
}

function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
  } catch {
    return null;
  }
}

/** The kernel start time of a process (Linux), used to tell a reused pid apart. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null;
}

/**
 * True when `pid` is a live (not zombie) process; when `startTime` is given, it
 * must also be the same process that had that start time.
 */
export function isAlive(pid: number, startTime: string | null = null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!HAVE_PROC) return true;
  const stat = procStat(pid);
  if (stat === null || stat.state === "Z") return false;
  return startTime === null || stat.startTime === startTime;
}

/** Sends a signal; false when the process does not exist any more. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/** Waits until the process is gone; false on timeout. */
export async function waitForDeath(pid: number, timeoutMs: number, startTime: string | null = null) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid, startTime)) {
    if (Date.now() >= deadline) return false;
    await sleep(10);
  }
  return true;
}

/** Direct children of `pid` (Linux only; empty elsewhere). */
export function childPids(pid: number): number[] {
  if (!HAVE_PROC) return [];
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text === "" ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects with its output when it fails. */
export function run(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
        killSignal: "SIGKILL",
      },
      (err, stdout, stderr) => {
        if (err) {
          const cmd = [file, ...args].join(" ");
          const e = new Error(
            `command failed (${err.code ?? err.signal ?? "error"}): ${cmd}\n${stdout}${stderr}`.trimEnd(),
            { cause: err },
          );
          reject(e);
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\-./=:,@%+]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Finds an executable on PATH (or in `extraDirs` first); null when absent. */
export function findExecutable(name: string, extraDirs: readonly string[] = []): string | null {
  const dirs = [...extraDirs, ...(process.env.PATH ?? "").split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface ServerChild {
  child: ChildProcess;
  /** Settles (never rejects) when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a long-running server as our own child: no stdio (so it never holds a
 * pipe of ours open) and unref'd (so it never keeps the event loop alive).
 */
export function spawnServer(file: string, args: readonly string[], cwd: string): ServerChild {
  const child = spawn(file, args, { cwd, stdio: "ignore", detached: false });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, sig) => resolve({ code, signal: sig }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  child.unref();
  return { child, exited };
}

/** Resolves true when `p` settles within `ms`, false otherwise (the timer keeps the loop alive). */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
