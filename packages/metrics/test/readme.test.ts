import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it } from "vitest";

it("the README's worked example runs (its asserts hold)", async () => {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
  expect(block).not.toBeNull();
  const file = fileURLToPath(new URL(`./.readme-example-${process.pid}.ts`, import.meta.url));
  writeFileSync(file, `${block![1]}\nexport const done = true;\n`);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { done: boolean };
    expect(mod.done).toBe(true);
  } finally {
    rmSync(file, { force: true });
  }
});
