import { DataSourceError, DataSourceUnavailableError, QtsError, redactDsn } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";

/** SQLSTATE codes meaning "the server cannot be used right now" (connection, shutdown, overload, timeout). */
const UNAVAILABLE_SQLSTATE = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up / shutting down)
  "57P05", // idle_session_timeout
  "53300", // too_many_connections
  "57014", // query_canceled (statement_timeout)
  "25P03", // idle_in_transaction_session_timeout
]);

/** Node.js socket error codes of an unreachable server. */
const UNAVAILABLE_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENOENT", // unix socket path missing
]);

/** Messages pg and pg-pool use for connection loss and client-side timeouts (they carry no code). */
const UNAVAILABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|query read timeout|connection timeout|cannot use a pool after calling end|client has encountered a connection error|not queryable|connection is closed|socket (hang up|closed)|server closed the connection/i;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/** True when `error` (or an error it aggregates) means the store cannot be reached. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DataSourceUnavailableError) return true;
  const code = codeOf(error);
  if (code.startsWith("08") || UNAVAILABLE_SQLSTATE.has(code) || UNAVAILABLE_ERRNO.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  const message = errorMessage(error);
  return UNAVAILABLE_MESSAGE.test(message);
}

/** Removes the DSN (and any password in it) from a message. */
export function scrub(message: string, dsn: string): string {
  let out = dsn ? message.split(dsn).join(redactDsn(dsn)) : message;
  out = redactDsn(out);
  const password = passwordOf(dsn);
  if (password) out = out.split(password).join("***");
  return out;
}

function passwordOf(dsn: string): string {
  try {
    const url = new URL(dsn);
    return url.password ? decodeURIComponent(url.password) : "";
  } catch {
    const m = /password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(dsn);
    return m?.[1]?.replace(/^'|'$/g, "") ?? "";
  }
}

/**
 * Maps anything a `pg` call threw to the project's typed errors: our own errors pass through; connection
 * refused/reset/terminated, timeouts, admin shutdown and SQLSTATE class 08 become
 * `DataSourceUnavailableError`; everything else (constraint violations, syntax, ...) a `DataSourceError`
 * with the original error as `cause`. Messages never contain the DSN or its password.
 */
export function mapPgError(error: unknown, what: string, source: string, dsn: string): QtsError {
  if (error instanceof QtsError) return error;
  const code = codeOf(error);
  const detail = scrub(errorMessage(error), dsn);
  const message = `${source}: ${what} failed${code ? ` [${code}]` : ""}: ${detail}`;
  if (isUnavailable(error)) return new DataSourceUnavailableError(message, { cause: error, source });
  return new DataSourceError(message, { cause: error, source });
}
