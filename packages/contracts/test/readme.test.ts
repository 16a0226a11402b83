import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));

describe("README example", () => {
  it("runs as a plain .mjs file against the built package", () => {
    const dist = join(pkg, "dist", "index.js");
    expect(existsSync(dist), "build first: pnpm --filter @qts/contracts build").toBe(true);
    const readme = readFileSync(join(pkg, "README.md"), "utf8");
    const block = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeTruthy();
    const code = (block as string).replace(
      /from "@qts\/contracts"/g,
      `from ${JSON.stringify(pathToFileURL(dist).href)}`,
    );
    const dir = mkdtempSync(join(tmpdir(), "qts-contracts-readme-"));
    try {
      const file = join(dir, "example.mjs");
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, [file], { encoding: "utf8" });
      expect(out).toContain("pos:AAPL");
      expect(out).toContain("qty: '-0.000001'");
      expect(out).toMatch(/^high - Invalid high/m);
      expect(out).toContain('"password":"***"');
      expect(out).not.toContain("hunter2");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
