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
export * from "./sheets-emulator/index.js";
