import { ValidationError } from "../errors.js";
import { validateText } from "../validation.js";

/** Longest accepted `fillId`, in UTF-16 code units. */
export const MAX_FILL_ID_LENGTH = 128;

// C0 controls, DEL and C1 controls (as for symbols).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A broker execution id: a string with no control characters, without leading or trailing whitespace
 * (rejected, not trimmed: an id is matched exactly), 1..128 UTF-16 code units.
 */
export function validateFillId(value: unknown, field = "fillId"): string {
  if (value === undefined || value === null) throw new ValidationError(field, value, "is required");
  const id = validateText(value, field);
  if (id === "") throw new ValidationError(field, value, "must not be empty");
  if (id.length > MAX_FILL_ID_LENGTH)
    throw new ValidationError(field, value, `must be at most ${MAX_FILL_ID_LENGTH} characters`);
  if (CONTROL_CHARS.test(id)) throw new ValidationError(field, value, "must not contain control characters");
  if (id.trim() !== id) throw new ValidationError(field, value, "must not start or end with whitespace");
  return id;
}
