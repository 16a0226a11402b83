import type { IssueCollector } from "./options.js";

/** Internal rules shared by the configuration resolvers (not part of the public API). */

/** An integer option's allowed range. */
export type IntRule = { readonly min: number; readonly max: number };

/** The reason of a configuration integer out of its range (`opt.int` decides; this is how the config says it). */
export function intRangeReason(rule: IntRule): string {
  return `must be an integer between ${rule.min} and ${rule.max}`;
}

/**
 * The integer in `env[variable]`: undefined when unset or empty; text that is not an integer is recorded
 * ("must be an integer") and gives undefined. The range is checked where the value is used.
 */
export function envInteger(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  issues: IssueCollector,
): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === "") return undefined;
  if (/^\s*-?\d+\s*$/.test(raw)) return Number(raw);
  issues.add(variable, raw, "must be an integer");
  return undefined;
}
