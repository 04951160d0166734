// Reads the config's human units: sizes ('128K'), times ('30secs') and counts ('unlimited').
import { describeValue } from "./describe.js";

const KB = 1024;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bytes per size unit; K = 1024. */
const SIZE_UNITS: Record<string, number> = {
  "": 1, b: 1, byte: 1, bytes: 1,
  k: KB, kb: KB, kilobyte: KB, kilobytes: KB,
  m: KB ** 2, mb: KB ** 2, megabyte: KB ** 2, megabytes: KB ** 2,
  g: KB ** 3, gb: KB ** 3, gigabyte: KB ** 3, gigabytes: KB ** 3,
};

/** Milliseconds per time unit. There is no bare 'm': it could mean minutes or milliseconds. */
const TIME_UNITS: Record<string, number> = {
  "": 1, ms: 1, msec: 1, msecs: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  w: 7 * DAY, week: 7 * DAY, weeks: 7 * DAY,
};

/** Counts take no unit. */
const COUNT_UNITS: Record<string, number> = { "": 1 };

/** Words meaning "no limit" for sizes and counts. */
const UNLIMITED = new Set(["unlimited", "infinite"]);

/** Words meaning "no timeout" for times. */
const NO_TIMEOUT = new Set(["never", "none", "unlimited", "infinite", "forever"]);
/** The longest delay Node's timers take, in ms; a longer one fires after 1 ms. */
const MAX_TIME = 2 ** 31 - 1;

/** A number, optional space, then optional unit letters: '1.5 MB', '30secs', '500'. */
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/;

/**
 * Scale `text` by a table of units; undefined when the text is not a known quantity.
 * The result is rounded to a whole number.
 */
function scaleQuantity(text: string, units: Record<string, number>): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, amount = "", unit = ""] = match;
  const scale = Object.hasOwn(units, unit) ? units[unit] : undefined;
  return scale === undefined ? undefined : Math.round(Number(amount) * scale);
}

/** A whole, non-negative, finite number, or undefined. */
function wholeNumber(value: number): number | undefined {
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Read a size in bytes. Plain numbers are bytes; strings take an optional unit, case-insensitive,
 * singular or plural, with or without a space: `B`, `K`/`KB`/`kilobytes` (×1024), `M`/`MB`
 * (×1024²), `G`/`GB` (×1024³). `'unlimited'`, `'infinite'` and the number `Infinity` mean no
 * limit. Fractions such as `'1.5K'` are rounded to whole bytes.
 * @param value the configured size, for example `'128K'`, `'1 MB'`, `4096` or `'unlimited'`.
 * @returns the size in bytes; `Infinity` for no limit.
 * @throws RangeError naming the expected form when `value` is not a size.
 * @example
 * parseSize("128K"); // 131072
 * parseSize("unlimited"); // Infinity
 */
export function parseSize(value: unknown): number {
  const size = readLimit(value, SIZE_UNITS);
  if (size === undefined) throw new RangeError(`expected a size like '128K', got ${describeValue(value)}`);
  return size;
}

/**
 * Read a count. Plain numbers and digit strings are taken as they are; `'unlimited'`,
 * `'infinite'` and the number `Infinity` mean no limit. Units and fractions are not accepted.
 * @param value the configured count, for example `10000`, `'10000'` or `'unlimited'`.
 * @returns the count; `Infinity` for no limit.
 * @throws RangeError naming the expected form when `value` is not a count.
 * @example
 * parseCount("10000"); // 10000
 */
export function parseCount(value: unknown): number {
  const fraction = typeof value === "string" && value.includes(".");
  const count = fraction ? undefined : readLimit(value, COUNT_UNITS);
  if (count === undefined) {
    throw new RangeError(`expected a count like '10000' or 'unlimited', got ${describeValue(value)}`);
  }
  return count;
}

/**
 * Read a time in milliseconds. Plain numbers are milliseconds; strings take an optional unit,
 * case-insensitive, singular or plural, with or without a space: `ms`/`msecs`, `s`/`secs`/
 * `seconds`, `min`/`mins`/`minutes`, `h`/`hr`/`hours`, `d`/`days`, `w`/`weeks`. `'never'`,
 * `'none'`, `'unlimited'`, `'infinite'`, `'forever'`, `0` and `Infinity` all mean no timeout and
 * read as 0. Fractions such as `'1.5secs'` are rounded to whole milliseconds. A time longer than
 * Node's timers take (2147483647 ms, about 24.8 days) is refused: such a timer would fire at once.
 * @param value the configured time, for example `'30secs'`, `'5 mins'`, `500` or `'never'`.
 * @returns the time in milliseconds; 0 for no timeout.
 * @throws RangeError naming the expected form when `value` is not a time, or the longest time
 *   when it is longer.
 * @example
 * parseTime("5mins"); // 300000
 * parseTime("never"); // 0
 */
export function parseTime(value: unknown): number {
  if (typeof value === "string" && NO_TIMEOUT.has(value.trim().toLowerCase())) return 0;
  if (value === Infinity) return 0;
  const time = typeof value === "number" ? wholeNumber(value) : readQuantity(value, TIME_UNITS);
  if (time === undefined) throw new RangeError(`expected a time like '30secs' or 'never', got ${describeValue(value)}`);
  if (time > MAX_TIME) {
    throw new RangeError(`${describeValue(value)} is longer than the longest timeout, 24 days (${MAX_TIME} ms); use 'never' for none`);
  }
  return time;
}

/** A size or count: a whole number, Infinity, an unlimited word, or a quantity with a unit. */
function readLimit(value: unknown, units: Record<string, number>): number | undefined {
  if (value === Infinity) return Infinity;
  if (typeof value === "number") return wholeNumber(value);
  if (typeof value === "string" && UNLIMITED.has(value.trim().toLowerCase())) return Infinity;
  return readQuantity(value, units);
}

/** A string quantity with one of `units`, case-insensitive, or undefined. */
function readQuantity(value: unknown, units: Record<string, number>): number | undefined {
  return typeof value === "string" ? scaleQuantity(value.trim().toLowerCase(), units) : undefined;
}
