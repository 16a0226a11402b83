export * from "./factory.js";
export * from "./from-env.js";
export * from "./hybrid/index.js";
export { InMemoryAdapter, type InMemoryAdapterOptions } from "./memory-adapter.js";
export * from "./replication/index.js";
export * from "./sheets/index.js";
export * from "./timescale/index.js";
