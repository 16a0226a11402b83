import {
  CacheUnavailableError,
  ConfigError,
  DataSourceError,
  DataSourceUnavailableError,
  QtsError,
  ReadOnlyError,
  ValidationError,
} from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { TicksFileError } from "../session/csv.js";

/** Bad flags or arguments: exit code 2 and a hint to `--help`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly verb = "",
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A failure with a fix: what failed, why, and what to do. `what` names the URL (redacted) when a service is
 * involved.
 */
export class CliError extends Error {
  constructor(
    readonly what: string,
    readonly why: string,
    readonly todo: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}: ${why}`, options);
    this.name = "CliError";
  }
}

/** Replaces the password of every `scheme://user:pass@` URL and every `password=...` in free text with `***`. */
export function redactText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s?#]*):[^@\s/?#]*@/gi, "$1:***@")
    .replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)/gi, "$1***");
}

const NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 8 && e instanceof Error && e.cause !== undefined; i++) e = e.cause;
  return e;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}

function why(err: unknown): string {
  const root = rootCause(err);
  const code = (root as { code?: unknown } | null)?.code;
  const msg = errorMessage(err);
  const rootMsg = root instanceof Error && root !== err ? root.message : "";
  const detail = rootMsg && !msg.includes(rootMsg) ? `${msg} (${rootMsg})` : msg;
  return typeof code === "string" && NET_CODES.has(code) && !detail.includes(code)
    ? `${detail} [${code}]`
    : detail;
}

/** Which flags and variables configure the store an error came from (its `source`), for the hint. */
export function storeSettingsHint(source: string): string {
  if (/hybrid/i.test(source))
    return "--db / QTS_DB_DSN and the spreadsheet settings (--sheets-id / --sheets-root-url / QTS_SHEETS_*)";
  if (/sheets/i.test(source))
    return "the spreadsheet settings (--sheets-id / --sheets-root-url / --sheets-key-file / QTS_SHEETS_*)";
  if (/memory/i.test(source)) return "the in-process store";
  return "--db / QTS_DB_DSN";
}

/** The one line `qts` prints for an error (no stack trace): `qts <verb>: what: why — what to do`. */
export function formatError(err: unknown, verb: string): string {
  const head = verb ? `qts ${verb}` : "qts";
  let line: string;
  if (err instanceof UsageError) {
    line = `${head}: ${err.message} — run \`qts ${err.verb || verb || ""}${err.verb || verb ? " " : ""}--help\` for usage`;
  } else if (err instanceof CliError) {
    const cause = err.cause === undefined ? "" : why(err.cause);
    const detail =
      cause && !err.why.includes(cause) && !cause.includes(err.why)
        ? `${err.why} (${cause})`
        : cause || err.why;
    line = `${head}: ${err.what}: ${detail} — ${err.todo}`;
  } else if (err instanceof ConfigError) {
    const issues = err.issues.map((i) => `${i.variable}=${i.value || '""'} ${i.reason}`).join("; ");
    line = `${head}: invalid configuration: ${issues} — fix the flag or QTS_* environment variable`;
  } else if (err instanceof TicksFileError) {
    // Exit 2 like a usage error: the input the user gave must be fixed (see `exitCodeOf`).
    const todo =
      err.line === 0
        ? "check the path given to --ticks"
        : "fix that line; the header is time,symbol,price,volume[,bid,ask,source]";
    line = `${head}: ticks file ${err.message} — ${todo}`;
  } else if (err instanceof ValidationError) {
    line = `${head}: invalid input: ${err.message} — correct the value`;
  } else if (err instanceof ReadOnlyError) {
    line = `${head}: write refused: ${err.message} — the safety state forbids writes`;
  } else if (err instanceof DataSourceUnavailableError) {
    line = `${head}: data store ${err.source || ""} unreachable: ${why(err)} — check that it is running and ${storeSettingsHint(err.source)}`;
  } else if (err instanceof CacheUnavailableError) {
    line = `${head}: cache unreachable: ${why(err)} — check that Redis is running and --redis / QTS_REDIS_URL`;
  } else if (err instanceof DataSourceError) {
    line = `${head}: data store error: ${why(err)} — rerun with --verbose for details`;
  } else if (err instanceof QtsError) {
    line = `${head}: ${why(err)} — rerun with --verbose for details`;
  } else {
    line = `${head}: unexpected error: ${why(err)} — rerun with --verbose and report it`;
  }
  return redactText(oneLine(line.replace(/ {2,}/g, " ")));
}

/**
 * The one exit-code convention of every verb: 2 when what the user gave must change (flags, configuration,
 * an input file), 1 when something failed at run time (a service down, a check that did not hold).
 */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof UsageError || err instanceof ConfigError || err instanceof TicksFileError ? 2 : 1;
}

/** The stack traces (redacted) of an error and its causes, for `--verbose`. */
export function formatVerbose(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 8 && e !== undefined; i++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) parts.push("caused by:");
  }
  return redactText(parts.join("\n"));
}
