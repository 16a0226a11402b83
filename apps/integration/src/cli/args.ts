import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Flags every verb takes. */
export const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean", short: "v" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const satisfies OptionSpec;

/** Where the stores are: every verb that touches them takes these. */
export const STORE_OPTIONS = {
  db: { type: "string" },
  redis: { type: "string" },
  mode: { type: "string" },
  schema: { type: "string" },
  namespace: { type: "string" },
  "sheets-id": { type: "string" },
  "sheets-root-url": { type: "string" },
  "sheets-key-file": { type: "string" },
  "sheets-token": { type: "string" },
} as const satisfies OptionSpec;

export type Values = Record<string, string | boolean | undefined>;

/** `parseArgs` in strict mode, with its errors turned into a `UsageError` naming the verb. */
export function parse(verb: string, argv: readonly string[], options: OptionSpec): Values {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, verb);
    return values as Values;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const msg =
      err instanceof Error
        ? err.message.split("\n")[0]!.replace(/^Unknown option/, "unknown option")
        : String(err);
    throw new UsageError(msg.replace(/ To specify a positional argument.*$/, "").replace(/\.$/, ""), verb);
  }
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === "string" ? x : undefined;
}

export function flag(v: Values, name: string): boolean {
  return v[name] === true;
}

/** An integer flag within [min, max]. */
export function int(v: Values, name: string, def: number, min: number, max: number, verb: string): number {
  const raw = str(v, name);
  if (raw === undefined) return def;
  if (!/^\s*-?\d+\s*$/.test(raw))
    throw new UsageError(`--${name} must be an integer (got ${JSON.stringify(raw)})`, verb);
  const n = Number(raw);
  if (n < min || n > max)
    throw new UsageError(`--${name} must be between ${min} and ${max} (got ${n})`, verb);
  return n;
}

/** A decimal flag within [min, max]. */
export function num(v: Values, name: string, def: number, min: number, max: number, verb: string): number {
  const raw = str(v, name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n))
    throw new UsageError(`--${name} must be a number (got ${JSON.stringify(raw)})`, verb);
  if (n < min || n > max)
    throw new UsageError(`--${name} must be between ${min} and ${max} (got ${n})`, verb);
  return n;
}
