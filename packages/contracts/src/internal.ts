/**
 * `@qts/contracts/internal`: helpers the QTS packages share that are not part of the public API (no stability
 * promise; for the packages of this repository only).
 */
export { stripUndefined } from "./cache-config.js";
export { describeValue, errorMessage } from "./errors.js";
export { freezeRedacted } from "./redact.js";
export { requireObject } from "./validation.js";
