import { ValidationError } from "../errors.js";
import { requireObject, validateText } from "../validation.js";

/** Extra facts a store reports with its health (e.g. a Hybrid adapter's backlog). */
export type HealthDetails = Readonly<Record<string, string | number | boolean>>;

export interface HealthStatus {
  readonly healthy: boolean;
  readonly source: string;
  readonly latencyMs: number;
  readonly error: string;
  /** Present only when the store has something to add. */
  readonly details?: HealthDetails;
}

export interface HealthStatusInput {
  healthy: boolean;
  source: string;
  latencyMs?: number | undefined;
  error?: string | undefined;
  details?: Record<string, string | number | boolean> | undefined;
}

export function healthStatus(input: HealthStatusInput): HealthStatus {
  const raw = requireObject(input, "healthStatus");
  if (typeof raw.healthy !== "boolean")
    throw new ValidationError("healthy", raw.healthy, "must be a boolean");
  const latencyMs = raw.latencyMs ?? 0;
  if (typeof latencyMs !== "number" || !Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new ValidationError("latencyMs", latencyMs, "must be a finite number >= 0");
  }
  const status: {
    healthy: boolean;
    source: string;
    latencyMs: number;
    error: string;
    details?: HealthDetails;
  } = {
    healthy: raw.healthy,
    source: validateText(raw.source, "source"),
    latencyMs,
    error: validateText(raw.error, "error"),
  };
  if (raw.details !== undefined)
    status.details = Object.freeze({ ...requireObject(raw.details, "details") }) as HealthDetails;
  return Object.freeze(status);
}
