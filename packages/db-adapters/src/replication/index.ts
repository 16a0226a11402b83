export { fetchAllLedger, ledgerKey, tickKey } from "./content.js";
export { type ConsistencyReport, type DiffScope, diffStores, type PositionDifference } from "./diff.js";
export { type RepairReport, repairStores } from "./repair.js";
export {
  type SyncOptions,
  type SyncPhase,
  type SyncProgress,
  type SyncReport,
  type SyncVerification,
  syncDataSources,
} from "./sync.js";
