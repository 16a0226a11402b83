export {
  type ConsistencyReport,
  compareStores,
  type PositionDifference,
  type RepairReport,
  repairStores,
} from "./consistency.js";
export { fetchAllLedger, ledgerKey, tickKey } from "./content.js";
export { HybridAdapter, type HybridAdapterOptions, type HybridConsistencyReport } from "./hybrid-adapter.js";
