/**
 * The public API of `@qts/contracts`, by name. Helpers the QTS packages share but users should not rely on
 * (`stripUndefined`, `describeValue`, `requireObject`, `freezeRedacted`) are in `@qts/contracts/internal`.
 */
export {
  type BackoffPolicy,
  backoffDelayMs,
  chunks,
  KeyedSerializer,
  type RetryPolicy,
  retry,
  sleep,
  withTimeout,
} from "./async.js";
export { aggregateBars, aggregationSourceRange } from "./bars.js";
export {
  CACHE_KEY_PREFIX,
  CACHE_TTL_MS,
  CACHE_TYPES,
  type CacheStats,
  CacheType,
  cacheKey,
  cacheStats,
  EMPTY_CACHE_STATS,
  isCacheType,
  validateCacheType,
} from "./cache.js";
export {
  type CacheConfig,
  cacheConfig,
  cacheConfigFromEnv,
  cacheConfigFromUrl,
  DEFAULT_CACHE_CONFIG,
  type Loose,
} from "./cache-config.js";
export {
  type DeclaresCommandTimeout,
  declaresCommandTimeout,
  isMigratable,
  isOutboxStore,
  isPooledStore,
  isPositionWriter,
  isReconcilable,
  isReplicatedStore,
  isSymbolLister,
  type Migratable,
  type OutboxDelivery,
  type OutboxRow,
  type OutboxStats,
  type OutboxStore,
  type PooledStore,
  type PoolUsage,
  type PositionWriter,
  type Reconcilable,
  type ReplicatedStore,
  type StoreSymbols,
  type SymbolLister,
} from "./capabilities.js";
export { type Clock, ManualClock, SystemClock, systemClock } from "./clock.js";
export {
  LEDGER_FIELDS,
  ledgerEntryFromHash,
  ledgerEntryToHash,
  OHLCV_FIELDS,
  ohlcvFromHash,
  ohlcvToHash,
  POSITION_FIELDS,
  positionFromHash,
  positionToHash,
  type StringHash,
  TICK_FIELDS,
  tickFromHash,
  tickToHash,
} from "./codecs.js";
export {
  type ConnectionPoolConfig,
  type DataLayerConfig,
  type DataLayerConfigInput,
  DataSourceMode,
  DEFAULT_POOL_CONFIG,
  DEFAULT_SHEETS_CONFIG,
  DEFAULT_SHEETS_TABS,
  dataLayerConfig,
  dataLayerConfigFromEnv,
  dataLayerConfigProblems,
  isDataSourceMode,
  type SheetsConfig,
  type SheetsTabs,
} from "./data-config.js";
export {
  checkDecimalBounds,
  DECIMAL_LIMITS,
  Decimal,
  type DecimalInput,
  decimalToPlain,
  freezeDecimal,
  toDecimal,
  toNonNegativeDecimal,
  toPositiveDecimal,
} from "./decimal.js";
export { postgresDsnProblem, postgresDsnToUrl, urlUserInfoProblem } from "./dsn.js";
export {
  declareQtsVariable,
  knownQtsVariables,
  QTS_VARIABLES,
  type QtsVariable,
  type UnknownQtsVariable,
  unknownQtsVariables,
  warnUnknownQtsVariables,
} from "./env-vars.js";
export {
  CacheOutOfMemoryError,
  CacheStaleDataError,
  CacheUnavailableError,
  ConfigError,
  type ConfigIssue,
  ConflictError,
  DataSourceError,
  DataSourceUnavailableError,
  ErrorCode,
  QtsError,
  ReadOnlyError,
  ValidationError,
} from "./errors.js";
export { createEvent, type EventSink, EventType, PRIORITY_ORDER, Priority, type QtsEvent } from "./events.js";
export {
  type BatchCacheClient,
  CACHE_VERSION_FIELD,
  type CacheClient,
  type CacheHash,
  type DataSourceAdapter,
  type HashWithTtl,
  isBatchCacheClient,
  isNamespacedCacheClient,
  isTtlReadingCacheClient,
  isVersionedBatchCacheClient,
  isVersionedCacheClient,
  type NamespacedCacheClient,
  type TtlReadingCacheClient,
  type VersionedBatchCacheClient,
  type VersionedCacheClient,
} from "./interfaces.js";
export {
  bucketStartMs,
  DEFAULT_INTERVAL,
  finerIntervals,
  INTERVAL_MS,
  INTERVALS,
  type Interval,
  isInterval,
  validateInterval,
} from "./interval.js";
export { IssueCollector, type IssueLabel, opt } from "./options.js";
export { AVG_PRICE_DP, applyFillToPosition, divideHalfEven, foldFills } from "./position-math.js";
export { type PriceQuote, priceFromHash, priceQuoteFromTick, priceToHash } from "./price-codec.js";
export {
  DEFAULT_LEDGER_LIMIT,
  type LedgerQuery,
  MAX_LEDGER_LIMIT,
  type NormalizedLedgerQuery,
  normalizeLedgerQuery,
  type TimeRange,
  validateTimeRange,
} from "./query.js";
export {
  FILL_IDENTITY_FIELDS,
  type Fill,
  type FillInput,
  type FillResult,
  fill,
  fillConflicts,
  fillFromLedgerEntry,
  ledgerEntryFromFill,
  MAX_FILL_ID_LENGTH,
  validateFillId,
} from "./records/fill.js";
export {
  type HealthDetails,
  type HealthStatus,
  type HealthStatusInput,
  healthStatus,
} from "./records/health.js";
export {
  type LedgerEntry,
  type LedgerEntryInput,
  ledgerEntry,
  Side,
  validateSide,
  withLedgerId,
} from "./records/ledger.js";
export { type OHLCV, type OHLCVInput, ohlcv } from "./records/ohlcv.js";
export {
  type Position,
  type PositionInput,
  type PositionUpdate,
  position,
  positionUpdate,
} from "./records/position.js";
export { type TickData, type TickDataInput, tick } from "./records/tick.js";
export { redactDsn, redactUrl } from "./redact.js";
export {
  effectiveTtlMs,
  isOperatingState,
  isSafetyState,
  OPERATING_TTL_MS,
  OperatingState,
  SAFETY_POLICY,
  type SafetyPolicy,
  SafetyState,
} from "./states.js";
export {
  hasLoneSurrogate,
  ImmutableDate,
  MAX_DATE_MS,
  MAX_SYMBOL_LENGTH,
  MAX_TEXT_LENGTH,
  MIN_DATE_MS,
  parseIsoTime,
  queryBoundDate,
  validateDate,
  validateInstant,
  validateIntegerInRange,
  validateOptionalDate,
  validateSymbol,
  validateText,
  validateVolume,
} from "./validation.js";
