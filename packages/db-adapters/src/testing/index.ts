/**
 * `@qts/db-adapters/testing`: the conformance suite every `DataSourceAdapter` of this project passes.
 * Needs vitest (an optional peer dependency) at test time.
 */
export { type AdapterFactory, describeDataSourceConformance } from "./conformance.js";
export { barKey, expectDecimal, expectUnavailable, expectValidationError } from "./expect-helpers.js";
export {
  bookedFills,
  expectPositionIsFoldOfLedger,
  expectSamePosition,
  randomFills,
} from "./fills.js";
export {
  at,
  DAY,
  EXACT_DECIMALS,
  HOUR,
  MINUTE,
  makeBars,
  makeEntry,
  makeTicks,
  NASTY_STRINGS,
  NASTY_SYMBOLS,
  plain,
  plainAll,
  T0,
} from "./fixtures.js";
export {
  type ConformanceSizes,
  type DataSourceConformanceOptions,
  DEFAULT_SIZES,
  resolveOptions,
} from "./options.js";
export { RefusingAdapter, SwitchableAdapter, type SwitchMode } from "./switchable-adapter.js";
