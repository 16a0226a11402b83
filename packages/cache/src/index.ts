export * from "./circuit-breaker.js";
export * from "./memory-cache-client.js";
export { validateHash, validateKey, validateTtlMs } from "./validate.js";
