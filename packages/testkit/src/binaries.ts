import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "./process.js";
import { missingService } from "./service-gate.js";

export const PG_HINT = "apt-get install -y postgresql";
export const REDIS_HINT = "apt-get install -y redis-server";

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  /** Set when we are root: the user to run the server as, via `su`. */
  runAs: string | null;
}

let pgCache: PostgresBinaries | undefined;

/** Debian installs server binaries in /usr/lib/postgresql/<major>/bin, not on PATH. */
function debianPgBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  try {
    return readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join(root, v, "bin"));
  } catch {
    return [];
  }
}

function userExists(name: string): boolean {
  try {
    return readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .some((line) => line.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/** initdb and pg_ctl, or a {@link ServiceUnavailableError} naming the Debian package. */
export function postgresBinaries(): PostgresBinaries {
  if (pgCache) return pgCache;
  const dirs = debianPgBinDirs().filter((d) => existsSync(join(d, "initdb")));
  const initdb = findExecutable("initdb", dirs);
  const pgCtl = findExecutable("pg_ctl", dirs);
  if (initdb === null || pgCtl === null) {
    missingService("postgresql", PG_HINT);
  }
  let runAs: string | null = null;
  if (process.getuid?.() === 0) {
    // PostgreSQL refuses to run as root.
    if (!userExists("postgres") || findExecutable("su", ["/usr/bin", "/bin"]) === null) {
      missingService("postgresql (the postgres user, needed when tests run as root)", PG_HINT);
    }
    runAs = "postgres";
  }
  pgCache = { initdb, pgCtl, runAs };
  return pgCache;
}

export interface RedisBinaries {
  server: string;
  cli: string;
}

let redisCache: RedisBinaries | undefined;

/** redis-server and redis-cli, or a {@link ServiceUnavailableError} naming the Debian package. */
export function redisBinaries(): RedisBinaries {
  if (redisCache) return redisCache;
  const fallback = ["/usr/bin", "/usr/local/bin"];
  const server = findExecutable("redis-server") ?? findExecutable("redis-server", fallback);
  const cli = findExecutable("redis-cli") ?? findExecutable("redis-cli", fallback);
  if (server === null || cli === null) missingService("redis-server", REDIS_HINT);
  redisCache = { server, cli };
  return redisCache;
}
