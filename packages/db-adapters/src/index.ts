export * from "./factory.js";
export * from "./hybrid/index.js";
export { InMemoryAdapter, type InMemoryAdapterOptions } from "./memory-adapter.js";
export * from "./sheets/index.js";
export * from "./sync.js";
export * from "./timescale/index.js";
