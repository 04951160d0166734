import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrames, rawFrame, type RawFrame } from "./frames.test-helpers.js";
import { Protocol, type ProtocolEvent, type ProtocolOptions } from "./protocol.js";

/** One thing a peer can send: a (possibly fragmented) message, or a ping or pong. */
type Action =
  | { kind: "message"; type: 1 | 2; payload: Uint8Array; cuts: number[]; interleavedPing: boolean }
  | { kind: "control"; opcode: 9 | 10; payload: Uint8Array };

const key = fc.uint8Array({ minLength: 4, maxLength: 4 });
const payloadBytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 400 }));
const textBytes = fc.string({ unit: "binary", maxLength: 120 }).map((text) => Uint8Array.from(Buffer.from(text)));

const fragmenting = { cuts: fc.array(fc.nat(), { maxLength: 3 }), interleavedPing: fc.boolean() };
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("message" as const), type: fc.constant(1 as const), payload: textBytes, ...fragmenting }),
  fc.record({ kind: fc.constant("message" as const), type: fc.constant(2 as const), payload: payloadBytes, ...fragmenting }),
  fc.record({ kind: fc.constant("control" as const), opcode: fc.constantFrom(9 as const, 10 as const), payload: fc.uint8Array({ maxLength: 125 }) }),
);

/** A valid client byte stream for the actions, and the events a server must report for it. */
function script(actions: Action[], keys: Uint8Array[], partial: boolean) {
  const frames: RawFrame[] = [];
  const expected: ProtocolEvent[] = [];
  const nextKey = () => keys[frames.length % keys.length];
  for (const act of actions) {
    if (act.kind === "control") {
      frames.push({ opcode: act.opcode, payload: act.payload, mask: nextKey() });
      expected.push({ kind: act.opcode === 9 ? "ping" : "pong", data: Buffer.from(act.payload) });
      continue;
    }
    const bounds = [...new Set([0, ...act.cuts.map((cut) => cut % (act.payload.length + 1)), act.payload.length])].sort((a, b) => a - b);
    if (bounds.length === 1) bounds.push(0);
    const pieces = bounds.slice(1).map((end, i) => act.payload.subarray(bounds[i], end));
    const decoder = new TextDecoder();
    pieces.forEach((piece, i) => {
      const fin = i === pieces.length - 1;
      frames.push({ opcode: i === 0 ? act.type : 0, fin, payload: piece, mask: nextKey() });
      if (partial && (act.type === 2 || pieces.length > 1)) {
        const data = act.type === 1 ? decoder.decode(piece, { stream: !fin }) : Buffer.from(piece);
        const length = typeof data === "string" ? Buffer.byteLength(data) : data.length;
        expected.push({ kind: "message", type: act.type, data, last: fin, length });
      } else if (fin) {
        const whole = Buffer.from(act.payload);
        const data = act.type === 1 ? whole.toString() : whole;
        expected.push({ kind: "message", type: act.type, data, last: true, length: whole.length });
      }
      if (i === 0 && !fin && act.interleavedPing) {
        frames.push({ opcode: 9, payload: "mid", mask: nextKey() });
        expected.push({ kind: "ping", data: Buffer.from("mid") });
      }
    });
  }
  return { bytes: Buffer.concat(frames.map(rawFrame)), expected };
}

/** Runs `bytes` through a fresh Protocol cut at `cuts` (a fresh copy each time); events and sent bytes. */
function run(bytes: Uint8Array, cuts: number[] | "bytewise", options: Partial<ProtocolOptions> = {}) {
  const protocol = new Protocol({ role: "server", ...options });
  const copy = Buffer.from(bytes);
  const bounds =
    cuts === "bytewise"
      ? Array.from({ length: copy.length + 1 }, (_, i) => i)
      : [...new Set([0, ...cuts.map((cut) => cut % (copy.length + 1)), copy.length])].sort((a, b) => a - b);
  const events: ProtocolEvent[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) protocol.receive(copy.subarray(bounds[i], bounds[i + 1]), events);
  return { events, sent: Buffer.concat(protocol.takeOutgoing()) };
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe("Protocol under any chunking", () => {
  for (const partial of [false, true]) {
    it(`reports exactly the script's events for any split of a valid stream (partial: ${partial})`, () => {
      fc.assert(
        fc.property(fc.array(action, { maxLength: 8 }), fc.array(key, { minLength: 1, maxLength: 3 }), cuts, (actions, keys, split) => {
          const { bytes, expected } = script(actions, keys, partial);
          const whole = run(bytes, [], { partial });
          expect(whole.events).toEqual(expected);
          expect(run(bytes, split, { partial })).toEqual(whole);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("reports the same events when a valid stream arrives one byte at a time", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 5 }), fc.array(key, { minLength: 1, maxLength: 2 }), (actions, keys) => {
        const { bytes, expected } = script(actions, keys, false);
        expect(run(bytes, "bytewise").events).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

/** Checks the outcome of arbitrary input: at most one error, last, with a valid code and a matching close. */
function expectCleanOutcome({ events, sent }: { events: ProtocolEvent[]; sent: Buffer }) {
  const errors = events.filter((event) => event.kind === "error");
  expect(errors.length).toBeLessThanOrEqual(1);
  const error = errors[0];
  if (error === undefined) return;
  expect(events.at(-1)).toBe(error);
  expect([1002, 1007, 1009]).toContain(error.code);
  expect(error.message.length).toBeGreaterThan(0);
  const lastSent = decodeFrames(sent).at(-1);
  expect(lastSent).toMatchObject({ opcode: 8, fin: true });
  expect(lastSent?.payload.readUInt16BE(0)).toBe(error.code);
}

describe("Protocol on hostile input", () => {
  it("never throws on random bytes, only reports one clean protocol error, whatever the chunking", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cuts, fc.constantFrom("server" as const, "client" as const), (bytes, split, role) => {
        const whole = run(bytes, [], { role });
        expectCleanOutcome(whole);
        expect(run(bytes, split, { role }).events).toEqual(whole.events);
      }),
      { numRuns: 3000 },
    );
  });

  it("never throws on a valid stream with corrupted bytes, and fails identically for any chunking", () => {
    const corruption = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 6 }), fc.array(key, { minLength: 1 }), corruption, cuts, (actions, keys, flips, split) => {
        const { bytes } = script(actions, keys, false);
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        for (const options of [{}, { partial: true }, { maxFrame: 100, maxMessage: 200 }]) {
          const whole = run(bytes, [], options);
          expectCleanOutcome(whole);
          expect(run(bytes, split, options)).toEqual(whole);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
