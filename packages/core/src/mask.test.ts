import { describe, expect, it } from "vitest";
import { maskInto, nativeMasking, unmaskInPlace, unmaskInto } from "./mask.js";

const key = Uint8Array.from([0x01, 0x80, 0xff, 0x5a]);

/** Masks by the definition of RFC 6455 section 5.3: byte i XOR key[i mod 4]. */
function reference(data: Uint8Array): Uint8Array {
  return data.map((byte, i) => byte ^ key[i % 4]);
}

const sample = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);

describe("masking", () => {
  it("uses the native bufferutil functions when they load", () => {
    expect(nativeMasking).toBe(true);
  });

  it.each([0, 1, 3, 4, 47, 48, 49, 1000, 70_000])("unmasks %i bytes in place like the RFC's definition", (length) => {
    const data = sample(length);
    const masked = reference(data);
    unmaskInPlace(masked, 0, length, key, 0);
    expect(masked).toEqual(data);
  });

  it("unmasks a payload arriving in pieces at any offset of the key", () => {
    const data = sample(300);
    const masked = reference(data);
    const chunk = new Uint8Array(310);
    chunk.set(masked, 5);
    for (const [start, end] of [[0, 7], [7, 10], [10, 99], [99, 300]]) {
      unmaskInPlace(chunk, 5 + start, 5 + end, key, start);
    }
    expect(chunk.subarray(5, 305)).toEqual(data);
  });

  it.each([5, 48, 5000])("masks %i bytes into a frame without touching the source", (length) => {
    const data = sample(length);
    const copy = data.slice();
    const output = new Uint8Array(length + 3);
    maskInto(data, key, output, 3);
    expect(output.subarray(3)).toEqual(reference(data));
    expect(data).toEqual(copy);
  });

  it.each([[7, 0], [300, 0], [300, 1], [300, 2], [300, 3]])(
    "copies %i masked bytes out of a chunk at key phase %i, unmasked, leaving the chunk as it was",
    (length, phase) => {
      const data = sample(length + phase);
      const masked = reference(data);
      const chunk = new Uint8Array(length + 6);
      chunk.set(masked.subarray(phase), 2);
      const before = chunk.slice();
      const output = new Uint8Array(length + 1);
      unmaskInto(chunk, 2, 2 + length, key, phase, output, 1);
      expect(output.subarray(1)).toEqual(data.subarray(phase));
      expect(chunk).toEqual(before);
    },
  );
});
