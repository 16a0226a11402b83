export { TimescaleAdapter } from "./adapter.js";
export { isUnavailable, mapPgError } from "./errors.js";
export { type MigrationResult, runMigrations, type StorageKind } from "./migrate.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export { resolveTimescaleOptions, type TimescaleAdapterOptions, type TimescaleMode } from "./options.js";
