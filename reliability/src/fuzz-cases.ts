// Seeded frame sequences for protocol fuzzing: valid, mutated, truncated, oversized, random.
import { closePayload, encodeClientFrame, OPCODE } from "./frames.js";
import { SeededRandom } from "./random.js";

/** The kinds of sequence the generator makes. */
export type FuzzKind = "valid" | "mutated" | "truncated" | "oversized" | "random";

/** A data message a client sends and an echo server sends back. */
export type EchoMessage = { kind: "text"; data: string } | { kind: "binary"; data: Buffer };

/** What the server must do with a sequence (besides never sending a malformed frame). */
export type FuzzExpectation =
  /** Echo every message in order, answer every ping, then echo the close code. */
  | { outcome: "echo"; messages: EchoMessage[]; pings: Buffer[]; closeCode: number | undefined }
  /** Close with `code`; before that it may echo some of `before`, in order. */
  | { outcome: "fail"; code: 1002 | 1007 | 1009; before: EchoMessage[] }
  /** Anything well-formed, then close the connection; echoes are some of `before` in order
   *  (undefined: any echo, for noise that may happen to form valid messages). */
  | { outcome: "any"; before: EchoMessage[] | undefined };

/**
 * One generated case: the bytes a client sends after its handshake; for a valid case, once
 * every echo and pong came back, its close frame; then the client half-closes.
 */
export interface FuzzCase {
  /** The case's number in its run; with the run's seed it regenerates the case. */
  index: number;
  kind: FuzzKind;
  /** What the case does, for failure messages. */
  description: string;
  bytes: Buffer;
  /** The close frame a valid case sends after its echoes came back. */
  close: Buffer | undefined;
  expect: FuzzExpectation;
}

/** The server's limits the cases are shaped around. */
export interface FuzzLimits {
  maxFrame: number;
  maxMessage: number;
}

/** A valid sequence: its frames (each a wire chunk), messages and ping payloads. */
interface Sequence {
  frames: Buffer[];
  messages: EchoMessage[];
  pings: Buffer[];
  /** Frame index after each whole message (where a defect may go without splitting one). */
  boundaries: number[];
}

/** Close codes a client may send, and a server must echo. */
const VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
/** Close codes that may not appear on the wire. */
const INVALID_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
/** Byte sequences that are not UTF-8: a stray continuation, overlong forms, a surrogate, > U+10FFFF, truncated. */
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe2, 0x82]];

/**
 * Generate case `index` of the run seeded with `seed`. The same seed and index always give the
 * same case, so a failure replays alone.
 * @param seed the run's seed.
 * @param index the case's number.
 * @param limits the server's frame and message limits.
 * @returns the case.
 * @example
 * const first = generateFuzzCase(1234, 0, { maxFrame: 4096, maxMessage: 16384 });
 */
export function generateFuzzCase(seed: number, index: number, limits: FuzzLimits): FuzzCase {
  const random = new SeededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const roll = random.int(0, 99);
  const make = roll < 35 ? validCase : roll < 65 ? mutatedCase : roll < 78 ? truncatedCase : roll < 88 ? oversizedCase : randomCase;
  return { index, ...make(random, limits) };
}

type CaseBody = Omit<FuzzCase, "index">;

function validCase(random: SeededRandom, limits: FuzzLimits): CaseBody {
  const sequence = validSequence(random, limits);
  const closeCode = random.chance(0.1) ? undefined : random.pick(VALID_CLOSE_CODES);
  const reason = closeCode === undefined ? "" : random.text(random.int(0, 20)).slice(0, 30);
  const payload = closeCode === undefined ? Buffer.alloc(0) : closePayload(closeCode, trimUtf8(reason, 123));
  return {
    kind: "valid",
    description: `${sequence.messages.length} messages in ${sequence.frames.length} frames, close ${closeCode ?? "without a code"}`,
    bytes: Buffer.concat(sequence.frames),
    close: encodeClientFrame({ opcode: OPCODE.CLOSE, payload }),
    expect: { outcome: "echo", messages: sequence.messages, pings: sequence.pings, closeCode },
  };
}

function mutatedCase(random: SeededRandom, limits: FuzzLimits): CaseBody {
  const sequence = validSequence(random, limits);
  const at = random.pick(sequence.boundaries);
  const defect = pickDefect(random);
  const before = sequence.messages.slice(0, sequence.boundaries.indexOf(at));
  const frames = [...sequence.frames.slice(0, at), defect.bytes, ...sequence.frames.slice(at)];
  return {
    kind: "mutated",
    description: `${defect.what} after ${before.length} messages`,
    bytes: Buffer.concat(frames),
    close: undefined,
    expect: { outcome: "fail", code: defect.code, before },
  };
}

function truncatedCase(random: SeededRandom, limits: FuzzLimits): CaseBody {
  const sequence = validSequence(random, limits);
  const whole = Buffer.concat(sequence.frames);
  const cut = random.int(1, Math.max(1, whole.length - 1));
  return {
    kind: "truncated",
    description: `a valid sequence of ${whole.length} bytes cut after ${cut}`,
    bytes: whole.subarray(0, cut),
    close: undefined,
    expect: { outcome: "any", before: sequence.messages },
  };
}

function oversizedCase(random: SeededRandom, limits: FuzzLimits): CaseBody {
  if (random.chance(0.5)) {
    const huge = random.chance(0.3) ? 2n ** 63n - 1n : BigInt(random.int(limits.maxFrame + 1, limits.maxFrame * 64));
    const opcode = random.pick([OPCODE.TEXT, OPCODE.BINARY]);
    const sent = random.bytes(random.int(0, 64));
    return {
      kind: "oversized",
      description: `a frame announcing ${huge} bytes (maxFrame ${limits.maxFrame}), ${sent.length} sent`,
      bytes: encodeClientFrame({ opcode, payload: sent, announcedLength: huge }),
      close: undefined,
      expect: { outcome: "fail", code: 1009, before: [] },
    };
  }
  const pieces = Math.ceil(limits.maxMessage / limits.maxFrame) + 1;
  const frames: Buffer[] = [];
  for (let i = 0; i < pieces; i++) {
    frames.push(encodeClientFrame({ opcode: i === 0 ? OPCODE.BINARY : OPCODE.CONT, payload: random.bytes(limits.maxFrame), fin: i === pieces - 1 }));
  }
  return {
    kind: "oversized",
    description: `a message of ${pieces} frames of ${limits.maxFrame} bytes (maxMessage ${limits.maxMessage})`,
    bytes: Buffer.concat(frames),
    close: undefined,
    expect: { outcome: "fail", code: 1009, before: [] },
  };
}

function randomCase(random: SeededRandom): CaseBody {
  const noise = random.bytes(random.int(1, 512));
  // Often start with a plausible first byte (FIN + data opcode) so the noise gets past it.
  if (random.chance(0.5)) noise[0] = random.pick([0x81, 0x82, 0x01, 0x89, 0x88]);
  if (random.chance(0.5) && noise.length > 1) noise[1] = (noise[1] as number) | 0x80;
  return {
    kind: "random",
    description: `${noise.length} random bytes starting ${noise.subarray(0, 4).toString("hex")}`,
    bytes: noise,
    close: undefined,
    expect: { outcome: "any", before: undefined },
  };
}

/** 1-5 messages, text or binary, each in 1-4 frames within the limits, pings in between. */
function validSequence(random: SeededRandom, limits: FuzzLimits): Sequence {
  const frames: Buffer[] = [];
  const messages: EchoMessage[] = [];
  const pings: Buffer[] = [];
  const boundaries = [0];
  const count = random.int(1, 5);
  for (let m = 0; m < count; m++) {
    const big = random.chance(0.1);
    const isText = random.chance(0.6);
    const size = big ? random.int(limits.maxFrame, limits.maxMessage) : random.int(0, 300);
    const message: EchoMessage = isText
      ? { kind: "text", data: trimUtf8(random.text(size), size) }
      : { kind: "binary", data: random.bytes(size) };
    const bytes = isText ? Buffer.from(message.data as string) : (message.data as Buffer);
    const pieces = splitBytes(random, bytes, limits.maxFrame);
    pieces.forEach((piece, i) => {
      const opcode = i === 0 ? (isText ? OPCODE.TEXT : OPCODE.BINARY) : OPCODE.CONT;
      frames.push(encodeClientFrame({ opcode, payload: piece, fin: i === pieces.length - 1 }));
      if (random.chance(0.15)) {
        const ping = random.bytes(random.int(0, 125));
        pings.push(ping);
        frames.push(encodeClientFrame({ opcode: OPCODE.PING, payload: ping }));
      }
    });
    messages.push(message);
    boundaries.push(frames.length);
  }
  return { frames, messages, pings, boundaries };
}

/** Cut bytes into 1-4 pieces (anywhere, also inside a UTF-8 character), none over `maxFrame`. */
function splitBytes(random: SeededRandom, bytes: Buffer, maxFrame: number): Buffer[] {
  const least = Math.max(1, Math.ceil(bytes.length / maxFrame));
  const count = Math.max(least, random.int(1, 4));
  const pieces: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const left = bytes.length - start;
    const remaining = count - i;
    const most = Math.min(maxFrame, left);
    const fewest = Math.max(0, left - (remaining - 1) * maxFrame);
    const size = i === count - 1 ? left : random.int(fewest, most);
    pieces.push(bytes.subarray(start, start + size));
    start += size;
  }
  return pieces;
}

/** One protocol violation as bytes, and the close code it must get. */
interface Defect {
  what: string;
  bytes: Buffer;
  code: 1002 | 1007 | 1009;
}

function pickDefect(random: SeededRandom): Defect {
  const small = random.bytes(random.int(0, 20));
  const text = (bytes: number[]): Buffer => Buffer.concat([Buffer.from(random.text(random.int(0, 5))), Buffer.from(bytes)]);
  const defects: (() => Defect)[] = [
    () => ({ what: "reserved bits set", code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.BINARY, payload: small, rsv: random.int(1, 7) }) }),
    () => {
      const opcode = random.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]);
      return { what: `reserved opcode ${opcode}`, code: 1002, bytes: encodeClientFrame({ opcode, payload: small }) };
    },
    () => ({ what: "an unmasked frame", code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from("x"), mask: false }) }),
    () => ({ what: "a ping over 125 bytes", code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.PING, payload: random.bytes(random.int(126, 300)) }) }),
    () => ({ what: "a fragmented ping", code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.PING, payload: small, fin: false }) }),
    () => ({ what: "a continuation with no message", code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.CONT, payload: small }) }),
    () => ({
      what: "a new message inside a fragmented one",
      code: 1002,
      bytes: Buffer.concat([
        encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from("part"), fin: false }),
        encodeClientFrame({ opcode: random.pick([OPCODE.TEXT, OPCODE.BINARY]), payload: small }),
      ]),
    }),
    () => ({ what: "text that is not UTF-8", code: 1007, bytes: encodeClientFrame({ opcode: OPCODE.TEXT, payload: text(random.pick(BAD_UTF8)) }) }),
    () => ({
      what: "text that is not UTF-8 across fragments",
      code: 1007,
      bytes: Buffer.concat([
        encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from("ok "), fin: false }),
        encodeClientFrame({ opcode: OPCODE.CONT, payload: text(random.pick(BAD_UTF8)) }),
      ]),
    }),
    () => {
      const code = random.pick(INVALID_CLOSE_CODES);
      return { what: `close code ${code}`, code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.CLOSE, payload: closePayload(code, "x") }) };
    },
    () => ({ what: "a close payload of 1 byte", code: 1002, bytes: encodeClientFrame({ opcode: OPCODE.CLOSE, payload: Buffer.from([0x03]) }) }),
    () => ({
      what: "a close reason that is not UTF-8",
      code: 1007,
      bytes: encodeClientFrame({ opcode: OPCODE.CLOSE, payload: closePayload(1000, Buffer.from(random.pick(BAD_UTF8))) }),
    }),
    () => ({
      what: "a 64-bit length with its top bit set",
      code: 1002,
      bytes: encodeClientFrame({ opcode: OPCODE.BINARY, payload: small, announcedLength: 2n ** 63n + BigInt(random.int(0, 1000)) }),
    }),
  ];
  return random.pick(defects)();
}

/** The longest prefix of `text` whose UTF-8 fits in `bytes` bytes, cut at a character boundary. */
function trimUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let out = text.slice(0, bytes);
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  // A cut may leave half a surrogate pair: drop it.
  return out.replace(/[\ud800-\udbff]$/, "");
}
