export { HybridAdapter, type HybridAdapterOptions, type HybridConsistencyReport } from "./hybrid-adapter.js";
