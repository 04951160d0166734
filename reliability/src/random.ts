// A small seeded random source, so every generated case replays exactly from its seed.

/** Random choices drawn from one seed (mulberry32: fast, 32-bit state, good enough for tests). */
export class SeededRandom {
  private state: number;

  /** @param seed any integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /**
   * The next number in [0, 1).
   * @returns the number.
   */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * An integer in [min, max], both included.
   * @param min the smallest value.
   * @param max the largest value.
   * @returns the integer.
   */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /**
   * True with probability `p`.
   * @param p the probability, 0-1.
   * @returns the outcome.
   */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * One element of a non-empty list.
   * @param items the list.
   * @returns the element.
   * @throws RangeError for an empty list.
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /**
   * Random bytes.
   * @param length how many.
   * @returns the bytes.
   */
  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i += 4) {
      const word = (this.next() * 4294967296) >>> 0;
      out[i] = word & 0xff;
      if (i + 1 < length) out[i + 1] = (word >>> 8) & 0xff;
      if (i + 2 < length) out[i + 2] = (word >>> 16) & 0xff;
      if (i + 3 < length) out[i + 3] = word >>> 24;
    }
    return out;
  }

  /**
   * A random string mixing ASCII, 2-, 3- and 4-byte UTF-8 characters.
   * @param length how many characters.
   * @returns the string (always valid UTF-16, so valid UTF-8 when encoded).
   */
  text(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      const kind = this.int(0, 9);
      if (kind < 6) out += String.fromCharCode(this.int(0x20, 0x7e));
      else if (kind < 7) out += String.fromCharCode(this.int(0x80, 0x7ff));
      else if (kind < 9) out += String.fromCharCode(this.int(0xe000, 0xfffd));
      else out += String.fromCodePoint(this.int(0x10000, 0x10ffff));
    }
    return out;
  }
}

/**
 * The seed for a run: `FUZZ_SEED` from the environment when set, else a fresh one.
 * @param env the environment (default `process.env`).
 * @returns the seed, a 32-bit unsigned integer.
 * @throws RangeError if `FUZZ_SEED` is set but not an integer.
 */
export function runSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env["FUZZ_SEED"];
  if (given === undefined || given === "") return (Math.random() * 4294967296) >>> 0;
  const seed = Number(given);
  if (!Number.isInteger(seed)) throw new RangeError(`FUZZ_SEED must be an integer, got ${given}`);
  return seed >>> 0;
}
