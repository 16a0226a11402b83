import { readFileSync } from "node:fs";
import { trackProcess } from "./cleanup.js";
import { type ServerChild, signal, sleep, spawnServer, within } from "./process.js";
import { parseInfo, redisCommand } from "./resp.js";

/** One redis-server child process we own (used by single servers and cluster nodes). */
export class RedisServerProcess {
  private constructor(
    private readonly server: ServerChild,
    private readonly untrack: () => void,
  ) {}

  get pid(): number {
    return this.server.child.pid ?? -1;
  }

  get exited(): Promise<unknown> {
    return this.server.exited;
  }

  get alive(): boolean {
    return this.server.child.exitCode === null && this.server.child.signalCode === null;
  }

  /**
   * Spawns `redis-server args...` (never daemonized) and waits until it answers
   * on `port` - checking that the answer comes from this very process.
   */
  static async launch(
    serverBin: string,
    args: readonly string[],
    port: number,
    cwd: string,
    logFile: string,
    timeoutMs = 10_000,
  ): Promise<RedisServerProcess> {
    const server = spawnServer(serverBin, args, cwd);
    const pid = server.child.pid;
    if (pid === undefined) {
      await server.exited;
      throw new Error(`could not spawn ${serverBin}`);
    }
    const proc = new RedisServerProcess(server, trackProcess(pid, "SIGKILL", 0));
    let exited = false;
    void server.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) {
        proc.untrack();
        throw new Error(`redis-server on port ${port} exited during startup\n--- log ---\n${tail(logFile)}`);
      }
      try {
        const info = parseInfo(await redisCommand(port, ["INFO", "server"], { timeoutMs: 1000 }));
        if (info.get("process_id") === String(pid)) return proc;
        // Someone else answers on this port: ours will fail to bind and exit.
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await proc.kill();
        throw new Error(
          `redis-server on port ${port} not ready within ${timeoutMs} ms\n--- log ---\n${tail(logFile)}`,
        );
      }
      await sleep(10);
    }
  }

  pause(): void {
    signal(this.pid, "SIGSTOP");
  }

  resume(): void {
    signal(this.pid, "SIGCONT");
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    if (this.alive) {
      signal(this.pid, "SIGKILL");
      if (!(await within(this.server.exited, 10_000)))
        throw new Error(`redis-server ${this.pid} ignored SIGKILL`);
    }
    this.untrack();
  }

  /** SIGTERM (a clean shutdown; nothing is saved with `--save ""`), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.alive) {
      signal(this.pid, "SIGCONT");
      signal(this.pid, "SIGTERM");
      if (!(await within(this.server.exited, 5000))) await this.kill();
    }
    this.untrack();
  }
}

function tail(file: string): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.length > 3000 ? text.slice(-3000) : text;
  } catch {
    return "";
  }
}

/** The common arguments of a throwaway redis-server on 127.0.0.1. */
export function baseRedisArgs(port: number, dir: string, logFile: string): string[] {
  return [
    "--daemonize",
    "no",
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--logfile",
    logFile,
  ];
}

/** True when a startup error says the port was taken (worth retrying on another port). */
export function isPortInUse(err: unknown): boolean {
  return /Address already in use|Could not create server TCP listening socket|bind:/i.test(String(err));
}
