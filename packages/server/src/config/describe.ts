// Shows a config value the way the user wrote it, for "expected …, got …" messages.
import JSON5 from "json5";

const LONGEST_SHOWN = 60;

/**
 * Describe a config value briefly for an error message: strings in single quotes as json5 writes
 * them (cut at 60 characters), numbers, booleans and null as written, lists and objects by kind.
 * @param value any value read from the config.
 * @returns a short description such as `'big'`, `12`, `a list` or `an object`.
 * @example
 * describeValue("big"); // "'big'"
 */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === undefined) return "nothing";
  if (value !== null && typeof value === "object") return "an object";
  if (typeof value === "string" && value.length > LONGEST_SHOWN) {
    return `${JSON5.stringify(value.slice(0, LONGEST_SHOWN))}…`;
  }
  return JSON5.stringify(value);
}
