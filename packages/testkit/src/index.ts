export { createTestDatabase, createTestSchema, type TestDatabase, type TestSchema } from "./pg-isolation.js";
export {
  PGBOUNCER_HINT,
  type PrivatePgBouncer,
  type StartPgBouncerOptions,
  startPgBouncer,
} from "./pgbouncer.js";
export { getFreePort, getFreePorts } from "./ports.js";
export {
  type PrivatePostgres,
  pgTestUrl,
  type StartPostgresOptions,
  startPrivatePostgres,
} from "./postgres.js";
export { runReadmeExample } from "./readme-example.js";
export {
  type PrivateRedis,
  redisTestUrl,
  type StartRedisOptions,
  startPrivateRedis,
  uniqueNamespace,
} from "./redis.js";
export {
  type FailoverResult,
  parseClusterNodeList,
  type RedisClusterHandle,
  type RedisNodeAddress,
  redisClusterTestNodes,
  type StartRedisClusterOptions,
  startRedisCluster,
} from "./redis-cluster.js";
export { inCI, missingService, ServiceUnavailableError, skipAllowed } from "./service-gate.js";
export {
  A1Error,
  type A1Range,
  type Cell,
  columnIndex,
  columnLetters,
  type FailureRule,
  formatA1,
  type InjectedStatus,
  type JsonCell,
  parseA1,
  parseInput,
  type QuotaOptions,
  quotaErrorBody,
  quoteTab,
  type RequestLogEntry,
  SheetsApiError,
  type SheetsEmulator,
  type SheetsMethod,
  type StartSheetsEmulatorOptions,
  startSheetsEmulator,
} from "./sheets-emulator/index.js";
