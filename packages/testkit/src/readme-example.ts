import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Runs the worked example of a package README: the ```ts block between `<!-- example:start -->` and
 * `<!-- example:end -->`, written beside `testFileUrl` (so it resolves the package's own imports the way its
 * tests do) and imported. Resolves once it has run; rejects when the block is missing or its code throws
 * (a README example asserts by throwing).
 */
export async function runReadmeExample(readmeUrl: URL, testFileUrl: string): Promise<void> {
  const readme = readFileSync(fileURLToPath(readmeUrl), "utf8");
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
  if (!block) throw new Error(`${fileURLToPath(readmeUrl)} has no <!-- example:start --> \`\`\`ts block`);
  const file = join(dirname(fileURLToPath(testFileUrl)), `.readme-example-${process.pid}-${Date.now()}.ts`);
  writeFileSync(file, `${block[1]}\nexport const done = true;\n`);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { done?: boolean };
    if (mod.done !== true) throw new Error("the README example did not run to its end");
  } finally {
    rmSync(file, { force: true });
  }
}
