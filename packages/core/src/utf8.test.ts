import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Utf8Validator, decodeUtf8, isValidUtf8 } from "./utf8.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

/** Feeds `input` to a fresh validator in pieces cut at `cuts`; the index of the failing piece, or -1. */
function failingPiece(input: Uint8Array, cuts: number[]): number | "incomplete" | -1 {
  const validator = new Utf8Validator();
  const bounds = [...new Set([0, ...cuts.map((cut) => cut % (input.length + 1)), input.length])].sort((a, b) => a - b);
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (!validator.write(input, bounds[i], bounds[i + 1])) return i;
  }
  return validator.end() ? -1 : "incomplete";
}

describe("Utf8Validator", () => {
  it.each([
    ["ASCII", Buffer.from("hello, world")],
    ["two-byte sequences", Buffer.from("héllo wörld")],
    ["three-byte sequences", Buffer.from("€ 日本語")],
    ["four-byte sequences", Buffer.from("😀 𝄞")],
    ["the largest code point U+10FFFF", bytes(0xf4, 0x8f, 0xbf, 0xbf)],
    ["the code points around the surrogates", bytes(0xed, 0x9f, 0xbf, 0xee, 0x80, 0x80)],
    ["a long mixed text", Buffer.from("κόσμε €😀 ".repeat(50))],
  ])("accepts %s", (_name, input) => {
    expect(isValidUtf8(input, 0, input.length)).toBe(true);
  });

  it.each([
    ["a stray continuation byte", bytes(0x61, 0x80)],
    ["an overlong two-byte NUL", bytes(0xc0, 0x80)],
    ["an overlong two-byte form (C1)", bytes(0xc1, 0xbf)],
    ["an overlong three-byte form", bytes(0xe0, 0x9f, 0xbf)],
    ["an overlong four-byte form", bytes(0xf0, 0x8f, 0xbf, 0xbf)],
    ["a UTF-16 high surrogate U+D800", bytes(0xed, 0xa0, 0x80)],
    ["a UTF-16 low surrogate U+DFFF", bytes(0xed, 0xbf, 0xbf)],
    ["a code point above U+10FFFF", bytes(0xf4, 0x90, 0x80, 0x80)],
    ["a lead byte F5", bytes(0xf5, 0x80, 0x80, 0x80)],
    ["the byte FF", bytes(0xff)],
    ["a sequence cut short by ASCII", bytes(0xe2, 0x82, 0x41)],
    ["text that ends inside a code point", bytes(0x61, 0xe2, 0x82)],
    ["an invalid byte after 100 valid ones", Buffer.concat([Buffer.alloc(100, 0x61), bytes(0xff)])],
    ["a surrogate after 100 valid bytes", Buffer.concat([Buffer.alloc(100, 0x61), bytes(0xed, 0xa0, 0x80)])],
  ])("rejects %s", (_name, input) => {
    expect(isValidUtf8(input, 0, input.length)).toBe(false);
  });

  it("fails on the piece that holds the first invalid byte, not at the end", () => {
    // "κόσμε" then the start of U+10FFFF+1 (F4 90): F4 is fine on its own, 90 is not.
    const input = Buffer.concat([Buffer.from("κόσμε"), bytes(0xf4, 0x90, 0x80, 0x80), Buffer.from("edited")]);
    const validator = new Utf8Validator();
    expect(validator.write(input, 0, 11)).toBe(true); // through F4
    expect(validator.write(input, 11, 12)).toBe(false); // 90 cannot follow F4
  });

  it("rejects an invalid lead byte at the end of a long piece before its continuation arrives", () => {
    const input = Buffer.concat([Buffer.alloc(200, 0x61), bytes(0xf8)]);
    expect(new Utf8Validator().write(input, 0, input.length)).toBe(false);
  });

  it("carries a code point split across pieces", () => {
    const input = Buffer.from("a😀b");
    const validator = new Utf8Validator();
    for (let i = 0; i < input.length; i++) expect(validator.write(input, i, i + 1)).toBe(true);
    expect(validator.end()).toBe(true);
  });

  it("reports an unfinished code point at the end and is reusable afterwards", () => {
    const validator = new Utf8Validator();
    expect(validator.write(bytes(0xf0, 0x9f), 0, 2)).toBe(true);
    expect(validator.end()).toBe(false);
    expect(validator.write(bytes(0x41), 0, 1)).toBe(true);
    expect(validator.end()).toBe(true);
  });

  it("agrees with Node's isUtf8 for random bytes cut into random pieces", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), (input, cuts) => {
        expect(failingPiece(input, cuts) === -1).toBe(isUtf8(input));
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts any valid text cut into any pieces (splitting code points anywhere)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        expect(failingPiece(Buffer.from(text), cuts)).toBe(-1);
      }),
    );
  });

  it("fails at the piece holding the first bad byte, wherever the cut", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), fc.nat(), (text, cut) => {
        const valid = Buffer.from(text);
        const input = Buffer.concat([valid, bytes(0xc0, 0x80), Buffer.from("tail")]);
        const validator = new Utf8Validator();
        const split = cut % (valid.length + 1);
        expect(validator.write(input, 0, split)).toBe(true);
        expect(validator.write(input, split, valid.length)).toBe(true);
        expect(validator.write(input, valid.length, valid.length + 1)).toBe(false); // C0 never starts a valid sequence
      }),
    );
  });
});

describe("decodeUtf8", () => {
  it.each([
    ["short text", "naïve café"],
    ["long ASCII text", "plain ascii ".repeat(200)],
    ["long mixed text", "κόσμε €😀 ".repeat(200)],
  ])("decodes %s exactly like toString, from inside a larger buffer", (_name, text) => {
    const bytes = Buffer.concat([Buffer.from("<<"), Buffer.from(text), Buffer.from(">>")]);
    expect(decodeUtf8(bytes, 2, bytes.length - 2)).toBe(text);
  });

  it("keeps long ASCII text a compact one-byte string", () => {
    const text = decodeUtf8(Buffer.from("a".repeat(5000)), 0, 5000);
    expect(Buffer.byteLength(text, "latin1")).toBe(5000);
    expect(text).toBe("a".repeat(5000));
  });

  it("substitutes U+FFFD for invalid bytes as toString does, at any size", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 3000 }), (noise, padding) => {
        const bytes = Buffer.concat([Buffer.from("é".repeat(padding)), noise]);
        expect(decodeUtf8(bytes, 0, bytes.length)).toBe(bytes.toString());
      }),
      { numRuns: 300 },
    );
  });
});
