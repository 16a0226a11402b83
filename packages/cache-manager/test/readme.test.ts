import { runReadmeExample } from "@qts/testkit";
import { it } from "vitest";

it("the README's worked example runs (its asserts hold)", async () => {
  await runReadmeExample(new URL("../README.md", import.meta.url), import.meta.url);
});
