import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PKG_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const MAIN = join(PKG_DIR, "dist", "src", "cli", "main.js");

/** Builds the package (a no-op when dist is up to date) so the subprocess runs the current code. */
export function ensureBuilt(): void {
  const tsc = join(PKG_DIR, "node_modules", ".bin", "tsc");
  try {
    execFileSync(existsSync(tsc) ? tsc : "tsc", ["-b"], { cwd: PKG_DIR, stdio: "pipe" });
  } catch (err) {
    // `pnpm test` builds first (turbo); a failing rebuild here only matters when there is nothing to run.
    if (!existsSync(MAIN)) throw err;
    console.warn(`tsc -b failed; testing the existing ${MAIN}`);
  }
}

export interface QtsRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` without the QTS_* store variables of the caller. */
export function runQts(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<QtsRun> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^QTS_(DB|REDIS|DATA|SHEETS)_/.test(k)) clean[k] = v;
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...clean, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
