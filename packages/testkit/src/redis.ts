import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { redisBinaries } from "./binaries.js";
import { removeDir } from "./cleanup.js";
import { getFreePort } from "./ports.js";
import { baseRedisArgs, isPortInUse, RedisServerProcess } from "./redis-process.js";
import { sharedServerUrl } from "./shared-server.js";
import { makeTempDir } from "./tempdir.js";

/** A throwaway redis-server on a loopback port, a child of this process. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:PORT/0` */
  readonly url: string;
  readonly port: number;
  /** The server's working directory (log file); removed by destroy(). */
  readonly dir: string;
  /** The server's pid (changes after start()); -1 while not running. */
  readonly pid: number;
  readonly running: boolean;
  /** SIGSTOP: the server accepts connections but answers nothing (a hung server). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** SIGKILL and wait for the exit (a crash). */
  kill(): Promise<void>;
  /** A clean shutdown (nothing is saved), and wait for the exit. */
  stop(): Promise<void>;
  /** Starts again on the same port (after kill() or stop()); the data is gone. */
  start(): Promise<void>;
  /** Kills the server if running and removes its directory. Idempotent. */
  destroy(): Promise<void>;
}

export interface StartRedisOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
}

const START_ATTEMPTS = 3;

class RedisInstance implements PrivateRedis {
  private proc: RedisServerProcess | null = null;
  private destroyed = false;
  private readonly logFile: string;

  constructor(
    private readonly serverBin: string,
    private readonly workDir: { path: string; untrack: () => void },
    private currentPort: number,
  ) {
    this.logFile = join(workDir.path, "redis.log");
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.currentPort}/0`;
  }

  get dir(): string {
    return this.workDir.path;
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  get running(): boolean {
    return this.proc?.alive ?? false;
  }

  async start(): Promise<void> {
    if (this.destroyed) throw new Error("PrivateRedis: start() after destroy()");
    if (this.proc?.alive) return;
    this.proc = null;
    const args = baseRedisArgs(this.currentPort, this.workDir.path, this.logFile);
    this.proc = await RedisServerProcess.launch(
      this.serverBin,
      args,
      this.currentPort,
      this.workDir.path,
      this.logFile,
    );
  }

  async firstStart(fixedPort: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        return;
      } catch (err) {
        if (fixedPort || !isPortInUse(err) || attempt >= START_ATTEMPTS) throw err;
        this.currentPort = await getFreePort();
      }
    }
  }

  private live(): RedisServerProcess {
    if (this.proc === null || !this.proc.alive) throw new Error("PrivateRedis: the server is not running");
    return this.proc;
  }

  pause(): void {
    this.live().pause();
  }

  resume(): void {
    this.live().resume();
  }

  async kill(): Promise<void> {
    await this.proc?.kill();
    this.proc = null;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = null;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.kill();
    removeDir(this.workDir.path);
    this.workDir.untrack();
  }
}

/**
 * Starts a throwaway `redis-server` (no persistence) on a free loopback port
 * and waits until it answers. It is killed and its directory removed at
 * process exit at the latest; call destroy() when done.
 */
export async function startPrivateRedis(opts: StartRedisOptions = {}): Promise<PrivateRedis> {
  const { server } = redisBinaries();
  const dir = makeTempDir("qts-redis-");
  const instance = new RedisInstance(server, dir, opts.port ?? (await getFreePort()));
  try {
    await instance.firstStart(opts.port !== undefined);
    return instance;
  } catch (err) {
    await instance.destroy().catch(() => undefined);
    throw err;
  }
}

/**
 * The Redis URL tests should use: `QTS_TEST_REDIS_URL` when set, otherwise a
 * private server started on first use and shared by the whole test process
 * (killed at exit). Isolate keys with uniqueNamespace().
 */
export function redisTestUrl(): Promise<string> {
  return sharedServerUrl("QTS_TEST_REDIS_URL", "@qts/testkit.sharedRedis", () => startPrivateRedis());
}

/** A key prefix no other run uses, e.g. `qtstest:12345:9f3a1c2b7d4e:`. */
export function uniqueNamespace(prefix = "qtstest"): string {
  return `${prefix}:${process.pid}:${randomBytes(6).toString("hex")}:`;
}
