export { TimescaleAdapter } from "./adapter.js";
export { type MigrationResult, runMigrations, type StorageKind } from "./migrate.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export type { TimescaleAdapterOptions, TimescaleMode } from "./options.js";
