import type { DataSourceAdapter } from "@qts/contracts";
import { afterEach, beforeEach, describe } from "vitest";
import { barChecks } from "./bars.js";
import { fillChecks, unsupportedFillChecks } from "./fills.js";
import { ledgerChecks } from "./ledger.js";
import { lifecycleChecks } from "./lifecycle.js";
import { type DataSourceConformanceOptions, resolveOptions, type SuiteContext } from "./options.js";
import { positionChecks } from "./positions.js";
import { tickChecks } from "./ticks.js";

/** Makes a fresh adapter over an EMPTY store for one test (a new schema, spreadsheet, or instance). */
export type AdapterFactory = () => DataSourceAdapter | Promise<DataSourceAdapter>;

/**
 * Registers the `DataSourceAdapter` conformance suite (vitest `describe`/`it`) for one adapter. Every test
 * gets its own adapter from `makeAdapter`, which must return one over an empty store; after the test the
 * suite calls `close()` and then `options.teardown(adapter)`. The checks are those of SPEC.md "Data layer":
 * positions, ledger, fills booked exactly once (`applyFill`), bars (incl. aggregation), ticks, exact decimals,
 * verbatim strings, validation with nothing written, health and close.
 */
export function describeDataSourceConformance(
  name: string,
  makeAdapter: AdapterFactory,
  options: DataSourceConformanceOptions = {},
): void {
  const resolved = resolveOptions(options);
  describe(`DataSourceAdapter conformance: ${name}`, () => {
    let current: DataSourceAdapter | undefined;
    beforeEach(
      async () => {
        current = await makeAdapter();
      },
      Math.max(resolved.timeoutMs, 60_000),
    );
    afterEach(
      async () => {
        const a = current;
        current = undefined;
        if (!a) return;
        try {
          await a.close();
        } finally {
          await resolved.teardown?.(a);
        }
      },
      Math.max(resolved.timeoutMs, 60_000),
    );
    const ctx: SuiteContext = {
      options: resolved,
      adapter() {
        if (!current) throw new Error("conformance: no adapter (makeAdapter failed?)");
        return current;
      },
    };
    positionChecks(ctx);
    ledgerChecks(ctx);
    if (resolved.applyFill) fillChecks(ctx);
    else unsupportedFillChecks(ctx);
    barChecks(ctx);
    tickChecks(ctx);
    lifecycleChecks(ctx);
  });
}
