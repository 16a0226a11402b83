import { DataSourceUnavailableError, ValidationError } from "@qts/contracts";

/** Code-unit order, as PostgreSQL's "C" collation sorts (the adapters order symbols the same way). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validates every record before any is written; the first bad one throws with its index in the field name. */
export function validateAll<T>(records: readonly T[], what: string, factory: (r: T) => T): T[] {
  if (!Array.isArray(records)) throw new ValidationError(what, records, "must be an array");
  return records.map((r, i) => {
    try {
      return factory(r);
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ValidationError(`${what}[${i}].${error.field}`, error.value, error.reason);
      throw error;
    }
  });
}

/** The closed check every adapter makes first: a closed adapter rejects with `DataSourceUnavailableError`. */
export function assertOpen(closed: boolean, name: string): void {
  if (closed) throw new DataSourceUnavailableError(`${name} adapter is closed`, { source: name });
}
