// Typed decoders that walk a parsed config, normalize it, and record every problem on the way.
import { describeValue } from "./describe.js";
import type { KeyPath } from "./errors.js";
import { suggestKey } from "./suggest.js";

/** A problem found while decoding, with the path of the value at fault. */
export interface DecodeProblem {
  path: KeyPath;
  message: string;
}

/** What every decoder shares: where relative paths start, and where problems go. */
export interface DecodeContext {
  /** The folder relative paths are resolved against (the config file's folder). */
  readonly baseDir: string;
  /** Problems found so far; decoders append and carry on. */
  readonly problems: DecodeProblem[];
}

/**
 * Reads one value at `path`. Returns the normalized value, or undefined after recording a
 * problem in `context.problems` (the caller carries on so that every problem is reported).
 */
export type Decoder<T> = (value: unknown, path: KeyPath, context: DecodeContext) => T | undefined;

/** How an object member is read when it is absent. */
export interface Field<T> {
  readonly decode: Decoder<T>;
  /** A raw value decoded in place of an absent member, as if the user had written it. */
  readonly fallback?: { readonly raw: unknown };
  /** When absent: true → undefined; false without a fallback → "missing" problem. */
  readonly optional: boolean;
}

/** The value type a field yields. */
type FieldValue<F> = F extends Field<infer T> ? T : never;

/**
 * Make a decoder from a check that throws RangeError with an "expected …, got …" message.
 * @param check reads the value; may use the context's base folder.
 * @returns a decoder recording the RangeError's message as a problem. Other errors propagate.
 */
export function leaf<T>(check: (value: unknown, baseDir: string) => T): Decoder<T> {
  return (value, path, context) => {
    try {
      return check(value, context.baseDir);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      context.problems.push({ path, message: error.message });
      return undefined;
    }
  };
}

/**
 * A member that takes `raw` when absent; `raw` is written as in a config file and decoded.
 * @param decode reads the member.
 * @param raw the default, e.g. `'128K'`.
 * @returns the field.
 */
export function withDefault<T>(decode: Decoder<T>, raw: unknown): Field<T> {
  return { decode, fallback: { raw }, optional: false };
}

/**
 * A member that is undefined when absent.
 * @param decode reads the member.
 * @returns the field.
 */
export function optional<T>(decode: Decoder<T>): Field<T | undefined> {
  return { decode, optional: true };
}

/**
 * A member that must be present.
 * @param decode reads the member.
 * @returns the field; its absence is a problem at the member's path.
 */
export function required<T>(decode: Decoder<T>): Field<T> {
  return { decode, optional: false };
}

/** A plain object: not null, not a list. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decode an object with known members. Unknown members are problems, with a suggestion when
 * one is close to a known key.
 * @param fields the known members and how to read each.
 * @returns a decoder yielding every member, defaults filled in.
 */
export function object<S extends Record<string, Field<unknown>>>(
  fields: S,
): Decoder<{ [K in keyof S]: FieldValue<S[K]> }> {
  const known = Object.keys(fields);
  return (value, path, context) => {
    if (!isRecord(value)) {
      context.problems.push({ path, message: `expected an object, got ${describeValue(value)}` });
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(fields, key)) continue;
      const suggestion = suggestKey(key, known);
      const hint = suggestion === undefined ? `known keys are ${known.map((k) => `'${k}'`).join(", ")}` : `did you mean '${suggestion}'?`;
      context.problems.push({ path: [...path, key], message: `unknown key; ${hint}` });
    }
    const decoded: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      const memberPath = [...path, key];
      if (Object.hasOwn(value, key)) decoded[key] = field.decode(value[key], memberPath, context);
      else if (field.fallback) decoded[key] = field.decode(field.fallback.raw, memberPath, context);
      else if (field.optional) decoded[key] = undefined;
      else context.problems.push({ path: memberPath, message: "required key is missing" });
    }
    // Every key of `fields` was visited above, each with its own field's decoder.
    return decoded as { [K in keyof S]: FieldValue<S[K]> };
  };
}

/**
 * Decode a list, each entry with `item`.
 * @param item reads one entry.
 * @param options `single`: also accept one bare entry as a list of one; `nonEmpty`: refuse `[]`,
 *   naming `what` ("at least one listen URL").
 * @returns a decoder yielding the decoded entries.
 */
export function list<T>(
  item: Decoder<T>,
  options: { single?: boolean; nonEmpty?: string } = {},
): Decoder<T[]> {
  return (value, path, context) => {
    if (!Array.isArray(value)) {
      if (options.single && value !== null && typeof value !== "object") {
        const entry = item(value, path, context);
        return entry === undefined ? undefined : [entry];
      }
      context.problems.push({ path, message: `expected a list, got ${describeValue(value)}` });
      return undefined;
    }
    if (options.nonEmpty !== undefined && value.length === 0) {
      context.problems.push({ path, message: `expected at least one ${options.nonEmpty}, got an empty list` });
      return undefined;
    }
    const entries = value.map((entry, index) => item(entry, [...path, index], context));
    return entries.filter((entry): entry is T => entry !== undefined);
  };
}

/**
 * Transform what a decoder yields, for renames and derived values.
 * @param decode the decoder to run first.
 * @param transform applied to a successful result.
 * @returns the combined decoder.
 */
export function map<T, U>(decode: Decoder<T>, transform: (value: T) => U): Decoder<U> {
  return (value, path, context) => {
    const decoded = decode(value, path, context);
    return decoded === undefined ? undefined : transform(decoded);
  };
}
