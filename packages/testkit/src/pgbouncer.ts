import { chownSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { removeDir, trackProcess } from "./cleanup.js";
import { getFreePort } from "./ports.js";
import { pgTestUrl } from "./postgres.js";
import { findExecutable, isAlive, run, shellQuote, signal, sleep, waitForDeath } from "./process.js";
import { missingService } from "./service-gate.js";
import { makeTempDir } from "./tempdir.js";

export const PGBOUNCER_HINT = "apt-get install -y pgbouncer";

/** A throwaway PgBouncer on a loopback port in front of one PostgreSQL database, owned by this process. */
export interface PrivatePgBouncer {
  /** `postgres://USER@127.0.0.1:PORT/DB`: the upstream's user and database, through the bouncer. */
  readonly url: string;
  readonly port: number;
  /** The PostgreSQL URL it forwards to. */
  readonly upstreamUrl: string;
  readonly pid: number;
  /** `SHOW VERSION` of the running bouncer, e.g. "PgBouncer 1.18.0". */
  readonly version: string;
  /** Stops the bouncer and removes its files. Idempotent. */
  destroy(): Promise<void>;
}

export interface StartPgBouncerOptions {
  /** The PostgreSQL to forward to (default `pgTestUrl()`: `QTS_TEST_PG_URL` or a private server). */
  upstreamUrl?: string;
  /** Default "transaction" (what managed and Kubernetes PostgreSQL put in front). */
  poolMode?: "transaction" | "session" | "statement";
  /** Server connections per user/database pair (default 10). */
  poolSize?: number;
}

function bouncerBinary(): string {
  const bin = findExecutable("pgbouncer", ["/usr/sbin", "/usr/local/sbin", "/usr/bin"]);
  if (bin === null) missingService("pgbouncer", PGBOUNCER_HINT);
  return bin;
}

/** PgBouncer refuses to run as root: as root it runs as the postgres user (like the test PostgreSQL). */
function runAsUser(): string | null {
  return process.getuid?.() === 0 ? "postgres" : null;
}

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run("id", ["-u", user])).stdout.trim());
  const gid = Number((await run("id", ["-g", user])).stdout.trim());
  return { uid, gid };
}

function logTail(file: string): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.length > 3000 ? text.slice(-3000) : text;
  } catch {
    return "";
  }
}

/**
 * Starts PgBouncer (`pgbouncer -d FILE.ini`; as root as the postgres user) on a free loopback port, in front of
 * the upstream PostgreSQL's database: `pool_mode = transaction` by default, `auth_type = trust` with an
 * `auth_file`, and `ignore_startup_parameters = extra_float_digits,options,statement_timeout` (pg sends
 * `statement_timeout` at connection start). Resolves once a query through it answers. A missing `pgbouncer`
 * binary throws `ServiceUnavailableError` (loud in CI). Call destroy() when done; it is also killed at exit.
 */
export async function startPgBouncer(opts: StartPgBouncerOptions = {}): Promise<PrivatePgBouncer> {
  const bin = bouncerBinary();
  const upstreamUrl = opts.upstreamUrl ?? (await pgTestUrl());
  const up = new URL(upstreamUrl);
  const user = decodeURIComponent(up.username || "postgres");
  const database = decodeURIComponent(up.pathname.replace(/^\//, "") || user);
  const password = decodeURIComponent(up.password);
  const runAs = runAsUser();
  const root = makeTempDir("qts-pgbouncer-", runAs !== null);
  const port = await getFreePort();
  const ini = join(root.path, "pgbouncer.ini");
  const pidFile = join(root.path, "pgbouncer.pid");
  const logFile = join(root.path, "pgbouncer.log");
  const server = [
    `host=${up.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1"}`,
    `port=${up.port || "5432"}`,
    `dbname=${database}`,
    `user=${user}`,
    ...(password ? [`password=${password}`] : []),
  ].join(" ");
  writeFileSync(
    ini,
    [
      "[databases]",
      `${database} = ${server}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(root.path, "userlist.txt")}`,
      `pool_mode = ${opts.poolMode ?? "transaction"}`,
      `default_pool_size = ${opts.poolSize ?? 10}`,
      "max_client_conn = 500",
      "ignore_startup_parameters = extra_float_digits,options,statement_timeout",
      `admin_users = ${user}`,
      `pidfile = ${pidFile}`,
      `logfile = ${logFile}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(root.path, "userlist.txt"), `"${user}" ""\n`);
  if (runAs !== null) {
    const { uid, gid } = await idsOf(runAs);
    chownSync(root.path, uid, gid);
    for (const f of ["pgbouncer.ini", "userlist.txt"]) chownSync(join(root.path, f), uid, gid);
  }
  try {
    if (runAs === null) await run(bin, ["-d", ini], { cwd: root.path });
    else
      await run("su", ["-s", "/bin/sh", runAs, "-c", `${shellQuote(bin)} -d ${shellQuote(ini)}`], {
        cwd: root.path,
      });
  } catch (error) {
    const log = logTail(logFile);
    removeDir(root.path);
    root.untrack();
    throw new Error(`pgbouncer did not start: ${String(error)}\n--- log ---\n${log}`, { cause: error });
  }
  let pid = 0;
  for (let i = 0; i < 200 && pid === 0; i++) {
    try {
      pid = Number(readFileSync(pidFile, "utf8").trim()) || 0;
    } catch {
      await sleep(10);
    }
  }
  const untrackPid = pid > 0 ? trackProcess(pid, "SIGTERM", 1000) : () => {};
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    if (pid > 0 && isAlive(pid)) {
      signal(pid, "SIGTERM");
      if (!(await waitForDeath(pid, 5_000))) signal(pid, "SIGKILL");
    }
    untrackPid();
    removeDir(root.path);
    root.untrack();
  };
  const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  try {
    if (pid === 0) throw new Error(`no pid file ${pidFile}`);
    const version = await ready(url, user, port, 10_000);
    return { url, port, upstreamUrl, pid, version, destroy };
  } catch (error) {
    const log = logTail(logFile);
    await destroy();
    throw new Error(`pgbouncer on port ${port} is not usable: ${String(error)}\n--- log ---\n${log}`, {
      cause: error,
    });
  }
}

/** Waits until a query through the bouncer answers; returns its version (from the admin console). */
async function ready(url: string, user: string, port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    c.on("error", () => undefined);
    try {
      await c.connect();
      await c.query("SELECT 1");
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  const admin = new Client({ host: "127.0.0.1", port, user, database: "pgbouncer" });
  admin.on("error", () => undefined);
  try {
    await admin.connect();
    // Without parameters pg uses the simple protocol, the only one the admin console speaks.
    const r = await admin.query("SHOW VERSION");
    const row = (r.rows[0] ?? {}) as Record<string, string>;
    return String(row.version ?? Object.values(row)[0] ?? "");
  } catch {
    return "";
  } finally {
    await admin.end().catch(() => undefined);
  }
}
