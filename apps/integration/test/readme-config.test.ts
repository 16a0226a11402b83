import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { QTS_VARIABLES } from "@qts/contracts";
import { expect, it } from "vitest";

it("the root README's configuration table lists every QTS_* variable with its default and effect", () => {
  const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
  for (const v of QTS_VARIABLES) {
    expect(readme).toContain(`| \`${v.name}\` | ${v.default || "—"} | ${v.effect} |`);
  }
});
