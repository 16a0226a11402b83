import { chownSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { Client } from "pg";
import { type PostgresBinaries, postgresBinaries } from "./binaries.js";
import { removeDir, trackFile, trackProcess } from "./cleanup.js";
import { getFreePort } from "./ports.js";
import {
  childPids,
  findExecutable,
  isAlive,
  type RunResult,
  run,
  shellQuote,
  signal,
  waitForDeath,
} from "./process.js";
import { sharedServerUrl } from "./shared-server.js";
import { makeTempDir } from "./tempdir.js";

/** A throwaway PostgreSQL server on a loopback port, owned by this process. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:PORT/test` (trust auth, no password). */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
  /** True between a successful start() and stop()/kill()/destroy(). */
  readonly running: boolean;
  /** The postmaster's pid while running, else null. */
  readonly pid: number | null;
  /**
   * `pg_ctl stop -m fast` (default) or `-m immediate` (no checkpoint, connections dropped mid-statement: crash
   * recovery on the next start); start() brings the same cluster back.
   */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts again on the same port and data dir (after stop() or kill()). */
  start(): Promise<void>;
  /** SIGKILL the postmaster and its backends: a crash. start() recovers. */
  kill(): Promise<void>;
  /** Stops the server if running and removes every file it had. Idempotent. */
  destroy(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
  /**
   * Make a streaming replica of this running server instead of a new cluster: `pg_basebackup -R -X stream`
   * (standby.signal + primary_conninfo), hot standby, read-only. Stop/kill it like any other instance.
   */
  replicaOf?: PrivatePostgres;
}

const START_ATTEMPTS = 3;

class PostgresInstance implements PrivatePostgres {
  readonly dataDir: string;
  private readonly root: string;
  private readonly logFile: string;
  private currentPort: number;
  private postmasterPid: number | null = null;
  private untrackPid: () => void = () => {};
  private untrackDir: () => void;
  private destroyed = false;
  private crashLeftovers: { shmId: number | null; dsm: string[]; untrack: (() => void)[] } | null = null;

  constructor(
    private readonly bins: PostgresBinaries,
    root: { path: string; untrack: () => void },
    port: number,
  ) {
    this.root = root.path;
    this.untrackDir = root.untrack;
    this.dataDir = join(this.root, "data");
    this.logFile = join(this.root, "postgres.log");
    this.currentPort = port;
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.currentPort}/test`;
  }

  get running(): boolean {
    return this.postmasterPid !== null;
  }

  get pid(): number | null {
    return this.postmasterPid;
  }

  /** Runs a PostgreSQL program, as the postgres user when we are root. */
  private pgRun(program: string, args: readonly string[]): Promise<RunResult> {
    if (this.bins.runAs === null) return run(program, args, { cwd: this.root });
    const cmd = [program, ...args].map(shellQuote).join(" ");
    return run("su", ["-s", "/bin/sh", this.bins.runAs, "-c", cmd], { cwd: this.root });
  }

  async init(replicaOf?: PrivatePostgres): Promise<void> {
    if (this.bins.runAs !== null) {
      const uid = Number((await run("id", ["-u", this.bins.runAs])).stdout.trim());
      const gid = Number((await run("id", ["-g", this.bins.runAs])).stdout.trim());
      chownSync(this.root, uid, gid);
    }
    if (replicaOf !== undefined) {
      // initdb's pg_hba.conf already trusts replication connections from 127.0.0.1; wal_level is replica.
      const basebackup = join(dirname(this.bins.initdb), "pg_basebackup");
      await this.pgRun(basebackup, [
        ...["-D", this.dataDir, "-h", "127.0.0.1", "-p", String(replicaOf.port), "-U", "postgres"],
        ...["-R", "-X", "stream", "--no-sync", "-c", "fast"],
      ]);
      return;
    }
    await this.pgRun(this.bins.initdb, [
      "-D",
      this.dataDir,
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
      "-E",
      "UTF8",
      "--locale=C",
    ]);
  }

  private log(): string {
    try {
      const text = readFileSync(this.logFile, "utf8");
      return text.length > 4000 ? text.slice(-4000) : text;
    } catch {
      return "";
    }
  }

  private pidFile(): string {
    return join(this.dataDir, "postmaster.pid");
  }

  private readPidFile(): { pid: number; shmId: number | null } | null {
    try {
      const lines = readFileSync(this.pidFile(), "utf8").split("\n");
      const pid = Number(lines[0]);
      const shm = (lines[6] ?? "").trim().split(/\s+/);
      const shmId = shm.length === 2 ? Number(shm[1]) : Number.NaN;
      return Number.isInteger(pid) && pid > 0 ? { pid, shmId: Number.isInteger(shmId) ? shmId : null } : null;
    } catch {
      return null;
    }
  }

  /**
   * After a crash the lock files (data dir and socket) still name the dead
   * postmaster. PostgreSQL itself only checks that the pid exists, and a killed
   * postmaster stays a zombie until init reaps it, so remove them ourselves.
   */
  private removeStaleLockFiles(): void {
    for (const file of [this.pidFile(), join(this.root, `.s.PGSQL.${this.currentPort}.lock`)]) {
      let pid: number;
      try {
        pid = Number(readFileSync(file, "utf8").split("\n")[0]);
      } catch {
        continue;
      }
      if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) rmSync(file, { force: true });
    }
  }

  async start(): Promise<void> {
    if (this.destroyed) throw new Error("PrivatePostgres: start() after destroy()");
    if (this.postmasterPid !== null) return;
    this.removeStaleLockFiles();
    const opts = [
      `-p ${this.currentPort}`,
      `-k ${shellQuote(this.root)}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      // Safe for process crashes (the kernel still has the writes); only an OS crash could lose data.
      "-c full_page_writes=off",
    ].join(" ");
    try {
      await this.pgRun(this.bins.pgCtl, [
        "-D",
        this.dataDir,
        "-w",
        "-t",
        "30",
        "-o",
        opts,
        "-l",
        this.logFile,
        "start",
      ]);
    } catch (err) {
      throw new Error(
        `PostgreSQL did not start on port ${this.currentPort}: ${String(err)}\n--- log ---\n${this.log()}`,
        {
          cause: err,
        },
      );
    }
    const info = this.readPidFile();
    if (info === null) throw new Error(`PostgreSQL started but ${this.pidFile()} is unreadable`);
    this.postmasterPid = info.pid;
    this.untrackPid = trackProcess(info.pid, "SIGQUIT", 3000);
    // The new postmaster removed what the killed one left in shared memory.
    for (const untrack of this.crashLeftovers?.untrack ?? []) untrack();
    this.crashLeftovers = null;
  }

  /** First start: retries on another free port when the chosen one was taken meanwhile. */
  async firstStart(fixedPort: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        return;
      } catch (err) {
        const portTaken = /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(
          this.log(),
        );
        if (fixedPort || !portTaken || attempt >= START_ATTEMPTS) throw err;
        this.currentPort = await getFreePort();
      }
    }
  }

  private async gone(pid: number): Promise<void> {
    if (!(await waitForDeath(pid, 10_000))) throw new Error(`PostgreSQL postmaster ${pid} did not exit`);
    this.postmasterPid = null;
    this.untrackPid();
    this.untrackPid = () => {};
  }

  async stop(mode: "fast" | "immediate" = "fast"): Promise<void> {
    const pid = this.postmasterPid;
    if (pid === null) return;
    await this.pgRun(this.bins.pgCtl, ["-D", this.dataDir, "-m", mode, "-w", "-t", "30", "stop"]);
    await this.gone(pid);
  }

  async kill(): Promise<void> {
    const pid = this.postmasterPid;
    if (pid === null) return;
    const info = this.readPidFile();
    // Backends call setsid(), so they are not in the postmaster's process group.
    const victims = [pid, ...childPids(pid)];
    const dsm = dsmFilesOf(victims);
    for (const p of victims) signal(p, "SIGKILL");
    for (const p of victims) await waitForDeath(p, 10_000);
    await this.gone(pid);
    // The SysV segment and the /dev/shm DSM segments stay behind. A restart finds
    // and removes them itself (keyed by the data dir's inode); destroy() does it otherwise.
    this.crashLeftovers = { shmId: info?.shmId ?? null, dsm, untrack: dsm.map((f) => trackFile(f)) };
  }

  /** Removes what a killed and never restarted postmaster left in shared memory. */
  private async removeCrashLeftovers(): Promise<void> {
    const left = this.crashLeftovers;
    this.crashLeftovers = null;
    if (left === null) return;
    for (const file of left.dsm) rmSync(file, { force: true });
    for (const untrack of left.untrack) untrack();
    if (left.shmId !== null && findExecutable("ipcrm", ["/usr/bin", "/bin"]) !== null) {
      await run("ipcrm", ["-m", String(left.shmId)]).catch(() => undefined);
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const pid = this.postmasterPid;
    if (pid !== null) {
      // Immediate shutdown: the data is about to be deleted anyway.
      signal(pid, "SIGQUIT");
      if (!(await waitForDeath(pid, 5000))) {
        for (const p of [pid, ...childPids(pid)]) signal(p, "SIGKILL");
      }
      await this.gone(pid);
    }
    await this.removeCrashLeftovers();
    removeDir(this.root);
    this.untrackDir();
  }
}

/** POSIX dynamic shared memory segments mapped by these processes. */
function dsmFilesOf(pids: readonly number[]): string[] {
  const files = new Set<string>();
  for (const pid of pids) {
    try {
      for (const m of readFileSync(`/proc/${pid}/maps`, "utf8").matchAll(/\/dev\/shm\/PostgreSQL\.\d+/g)) {
        files.add(m[0]);
      }
    } catch {
      // gone, or no /proc
    }
  }
  return [...files];
}

async function createDatabase(port: number, name: string): Promise<void> {
  const client = new Client({
    host: "127.0.0.1",
    port,
    user: "postgres",
    database: "postgres",
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts a throwaway PostgreSQL cluster (initdb + pg_ctl) on a free loopback
 * port with a `test` database. As root the server runs as the `postgres` user.
 * The cluster is stopped and its directory removed at process exit at the
 * latest; call destroy() when done.
 */
export async function startPrivatePostgres(opts: StartPostgresOptions = {}): Promise<PrivatePostgres> {
  const bins = postgresBinaries();
  const root = makeTempDir("qts-pg-", bins.runAs !== null);
  const instance = new PostgresInstance(bins, root, opts.port ?? (await getFreePort()));
  try {
    await instance.init(opts.replicaOf);
    await instance.firstStart(opts.port !== undefined);
    if (opts.replicaOf === undefined) await createDatabase(instance.port, "test");
    return instance;
  } catch (err) {
    await instance.destroy().catch(() => undefined);
    throw err;
  }
}

/**
 * The PostgreSQL URL tests should use: `QTS_TEST_PG_URL` when set, otherwise a
 * private server started on first use and shared by the whole test process
 * (stopped at exit). Isolate data with createTestSchema / createTestDatabase.
 */
export function pgTestUrl(): Promise<string> {
  return sharedServerUrl("QTS_TEST_PG_URL", "@qts/testkit.sharedPostgres", () => startPrivatePostgres());
}
