// Section 6: text must be UTF-8: valid text echoed exactly, however split; invalid text closed with 1007, as soon as the bad byte arrives.
import { OPCODE } from "../frames.js";
import { echoCase, failCase, write, type ConformanceCase, type ConformanceSection, type Step } from "./case.js";
import { contFrame, fragments, split, textEcho, textFrame } from "./wire.js";

/** A named byte sequence. */
interface Utf8Vector {
  name: string;
  hex: string;
}

/** "κόσμε" (Greek "cosmos"): 2- and 3-byte characters. */
const KOSME = "cebae1bdb9cf83cebcceb5";
/** ASCII with 2-, 3- and 4-byte characters. */
const MIXED = Buffer.from("Hello-µ@ßöäüàá-UTF-8!! 世界 😀 κόσμε").toString("hex");

/** Valid UTF-8, each echoed exactly. */
export const VALID_UTF8: readonly Utf8Vector[] = [
  { name: "κόσμε (2- and 3-byte characters)", hex: KOSME },
  { name: "U+0000, the smallest code point", hex: "00" },
  { name: "U+007F, the largest 1-byte code point", hex: "7f" },
  { name: "U+0080, the smallest 2-byte code point", hex: "c280" },
  { name: "U+07FF, the largest 2-byte code point", hex: "dfbf" },
  { name: "U+0800, the smallest 3-byte code point", hex: "e0a080" },
  { name: "U+D7FF, just below the surrogates", hex: "ed9fbf" },
  { name: "U+E000, just above the surrogates", hex: "ee8080" },
  { name: "U+FFFD, the replacement character", hex: "efbfbd" },
  { name: "U+FFFE and U+FFFF, noncharacters but valid UTF-8", hex: "efbfbeefbfbf" },
  { name: "U+10000, the smallest 4-byte code point", hex: "f0908080" },
  { name: "U+1F600, an emoji", hex: "f09f9880" },
  { name: "U+1FFFF, a 4-byte noncharacter", hex: "f09fbfbf" },
  { name: "U+10FFFF, the largest code point", hex: "f48fbfbf" },
  { name: "mixed ASCII, 2-, 3- and 4-byte characters", hex: MIXED },
];

/** Invalid UTF-8, each closed with 1007. */
export const INVALID_UTF8: readonly Utf8Vector[] = [
  { name: "an overlong '/' in 2 bytes", hex: "c0af" },
  { name: "an overlong '/' in 3 bytes", hex: "e080af" },
  { name: "an overlong '/' in 4 bytes", hex: "f08080af" },
  { name: "an overlong U+0000 (C0 80)", hex: "c080" },
  { name: "the largest overlong 2-byte sequence (C1 BF)", hex: "c1bf" },
  { name: "the largest overlong 3-byte sequence (E0 9F BF)", hex: "e09fbf" },
  { name: "the largest overlong 4-byte sequence (F0 8F BF BF)", hex: "f08fbfbf" },
  { name: "the surrogate U+D800", hex: "eda080" },
  { name: "the surrogate U+DFFF", hex: "edbfbf" },
  { name: "a surrogate pair encoded as two 3-byte sequences", hex: "eda080edb080" },
  { name: "U+110000, above the largest code point", hex: "f4908080" },
  { name: "a 4-byte sequence led by F7", hex: "f7bfbfbf" },
  { name: "a 5-byte sequence", hex: "f888808080" },
  { name: "a 6-byte sequence", hex: "fc8480808080" },
  { name: "a lone continuation byte 0x80", hex: "80" },
  { name: "a lone continuation byte 0xBF after valid text", hex: `${KOSME}bf` },
  { name: "a 2-byte start byte followed by a space", hex: "c220" },
  { name: "a 3-byte start byte followed by a space", hex: "e020" },
  { name: "text truncated after the first byte of a 2-byte character", hex: `${KOSME}ce` },
  { name: "text truncated after 2 bytes of a 3-byte character", hex: `${KOSME}e1bd` },
  { name: "text truncated after 3 bytes of a 4-byte character", hex: `${KOSME}f09080` },
  { name: "the byte 0xFE", hex: "fe" },
  { name: "the byte 0xFF", hex: "ff" },
  { name: "the bytes FE FE FF FF", hex: "fefeffff" },
  { name: "valid text, then an invalid byte, then valid text", hex: `${KOSME}eda080656469746564` },
];

const bytes = (hex: string): Buffer => Buffer.from(hex, "hex");

/** The fail-fast message: valid, then a code point above U+10FFFF, then valid (each part valid alone but the second). */
const FAST_PART1 = bytes(KOSME);
const FAST_PART2 = bytes("f4908080");
const FAST_PART3 = Buffer.from("edited");

function failFastCases(): ConformanceCase[] {
  const open = { fin: false };
  const pause = { kind: "expectOpen" as const, ms: 100 };
  const fails = { kind: "expectClose" as const, ms: 500 };
  const whole = textFrame(Buffer.concat([FAST_PART1, FAST_PART2, FAST_PART3]));
  const header = whole.length - (FAST_PART1.length + FAST_PART2.length + FAST_PART3.length);
  const afterPart1 = header + FAST_PART1.length;
  return [
    failCase("6.4.1", "closes with 1007 as soon as the fragment with a code point above U+10FFFF arrives, before the last fragment", 1007, [
      write(textFrame(FAST_PART1, open)),
      pause,
      write(contFrame(FAST_PART2, open)),
      fails,
      write(contFrame(FAST_PART3)),
    ]),
    failCase("6.4.2", "closes with 1007 as soon as the byte that makes a 4-byte sequence invalid arrives in the next fragment", 1007, [
      write(textFrame(Buffer.concat([FAST_PART1, FAST_PART2.subarray(0, 1)]), open)),
      pause,
      write(contFrame(Buffer.concat([FAST_PART2.subarray(1), FAST_PART3]), open)),
      fails,
      write(contFrame("more")),
    ]),
    failCase("6.4.3", "closes with 1007 in the middle of a single frame, as soon as its invalid part arrives", 1007, [
      write(whole.subarray(0, afterPart1)),
      pause,
      write(whole.subarray(afterPart1, afterPart1 + FAST_PART2.length)),
      fails,
      write(whole.subarray(afterPart1 + FAST_PART2.length)),
    ]),
    failCase("6.4.4", "closes with 1007 in the middle of a single frame at the very byte that is invalid", 1007, [
      write(whole.subarray(0, afterPart1 + 1)),
      pause,
      write(whole.subarray(afterPart1 + 1, afterPart1 + 2)),
      fails,
      write(whole.subarray(afterPart1 + 2)),
    ]),
    failCase("6.4.5", "closes with 1007 on invalid bytes in the first fragment, before the rest of the message is sent", 1007, [
      write(textFrame(bytes("68656c6c6fc0af"), open)),
      fails,
      write(contFrame("world")),
    ]),
  ];
}

/** Valid text split into fragments at every kind of boundary, each echoed whole. */
function validSplitCases(): ConformanceCase[] {
  const text = "κόσμε 世界 😀 U+10FFFF:\u{10FFFF}";
  const data = Buffer.from(text);
  const inside = (char: string, offset: number): [Buffer, Buffer] => {
    const at = data.indexOf(Buffer.from(char)) + offset;
    return [data.subarray(0, at), data.subarray(at)];
  };
  const splits: { how: string; pieces: Buffer[] }[] = [
    { how: "in 1-byte fragments", pieces: split(data, 1) },
    { how: "split inside a 2-byte character", pieces: inside("ό", 1) },
    { how: "split after the first byte of a 3-byte character", pieces: inside("世", 1) },
    { how: "split after the second byte of a 3-byte character", pieces: inside("世", 2) },
    { how: "split after the first byte of a 4-byte character", pieces: inside("😀", 1) },
    { how: "split after the third byte of a 4-byte character", pieces: inside("😀", 3) },
    { how: "split inside U+10FFFF", pieces: inside("\u{10FFFF}", 2) },
  ];
  return splits.map(({ how, pieces }, index) =>
    echoCase(`6.3.${index + 1}`, `echoes valid text ${how} exactly`, Buffer.concat(fragments(OPCODE.TEXT, pieces)), [textEcho(text)]),
  );
}

/** Invalid text split across fragments: the fault is only visible across the boundary. */
function invalidSplitCases(): ConformanceCase[] {
  const splits: { name: string; pieces: string[] }[] = [
    { name: "a surrogate U+D800 split after its first byte", pieces: [`${KOSME}ed`, "a080"] },
    { name: "U+110000 split in the middle", pieces: ["f490", "8080"] },
    { name: "an overlong '/' split between its bytes", pieces: ["c0", "af"] },
    { name: "a 3-byte start byte whose continuation fragment is ASCII", pieces: ["e2", "41"] },
    { name: "a message whose last fragment ends inside a character", pieces: [KOSME, "e282"] },
  ];
  return splits.map(({ name, pieces }, index) =>
    failCase(`6.5.${index + 1}`, `closes with 1007 on ${name}`, 1007, Buffer.concat(fragments(OPCODE.TEXT, pieces.map(bytes)))),
  );
}

function cases(): ConformanceCase[] {
  const steps = (hex: string, chunkSize?: number): Step[] => [write(textFrame(bytes(hex)), chunkSize)];
  return [
    ...VALID_UTF8.map(({ name, hex }, index) => echoCase(`6.1.${index + 1}`, `echoes ${name} exactly`, steps(hex), [textEcho(bytes(hex))])),
    ...INVALID_UTF8.map(({ name, hex }, index) => failCase(`6.2.${index + 1}`, `closes with 1007 on ${name}`, 1007, steps(hex))),
    ...validSplitCases(),
    ...failFastCases(),
    ...invalidSplitCases(),
    echoCase("6.6.1", "echoes valid multi-byte text written one byte at a time", steps(MIXED, 1), [textEcho(bytes(MIXED))]),
    failCase("6.6.2", "closes with 1007 on invalid text written one byte at a time", 1007, steps(`${KOSME}eda080656469746564`, 1)),
  ];
}

/** Section 6: UTF-8 handling. */
export const UTF8: ConformanceSection = { title: "6 UTF-8", cases: cases() };
