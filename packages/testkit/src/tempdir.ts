import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { trackDir } from "./cleanup.js";

/** True when every ancestor of `dir` can be traversed by any user (o+x). */
function traversableByOthers(dir: string): boolean {
  let current = resolve(dir);
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * Makes a fresh temp dir (registered for removal at exit). With
 * `otherUserMustReach` the dir is placed where another user (postgres, when we
 * are root) can traverse to it: os.tmpdir() when possible, /tmp otherwise.
 */
export function makeTempDir(prefix: string, otherUserMustReach = false): { path: string; untrack: () => void } {
  let base = tmpdir();
  if (otherUserMustReach && !traversableByOthers(base)) base = "/tmp";
  const path = mkdtempSync(join(base, prefix));
  return { path, untrack: trackDir(path) };
}
