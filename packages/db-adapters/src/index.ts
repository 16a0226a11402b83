export * from "./factory.js";
export * from "./from-env.js";
export * from "./hybrid/index.js";
export * from "./memory-adapter.js";
export * from "./sheets/index.js";
export * from "./sync.js";
export * from "./timescale/index.js";
