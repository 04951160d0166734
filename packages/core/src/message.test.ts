import { describe, expect, it } from "vitest";
import { ProtocolError } from "./errors.js";
import { MessageAssembler, type MessageEvent, type MessageSettings } from "./message.js";

/** A data frame as the reader hands it over: its message type, FIN and payload in pieces. */
interface Frame {
  type: 1 | 2;
  fin: boolean;
  pieces: (string | number[])[];
}

const text = (fin: boolean, ...pieces: (string | number[])[]): Frame => ({ type: 1, fin, pieces });
const binary = (fin: boolean, ...pieces: (string | number[])[]): Frame => ({ type: 2, fin, pieces });

/** Feeds frames to a fresh assembler; returns the events, or the error that stopped it. */
function assemble(frames: Frame[], settings: Partial<MessageSettings> = {}) {
  const assembler = new MessageAssembler({ maxMessage: Infinity, validateUTF: true, partial: false, ...settings });
  const events: MessageEvent[] = [];
  try {
    for (const frame of frames) {
      const chunks = frame.pieces.map((piece) => Buffer.from(piece));
      assembler.beginFrame(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      if (chunks.length === 0) chunks.push(Buffer.alloc(0));
      chunks.forEach((chunk, i) => {
        assembler.addPayload(chunk, 0, chunk.length, frame.type, i === 0, i === chunks.length - 1, frame.fin, events);
      });
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { events, error: { code: error.code, message: error.message } };
    throw error;
  }
  return { events, error: undefined };
}

const message = (type: 1 | 2, data: string | Buffer, last = true) => ({
  kind: "message",
  type,
  data,
  last,
  length: typeof data === "string" ? Buffer.byteLength(data) : data.length,
});

describe("MessageAssembler", () => {
  it("delivers a single-frame text message as a string", () => {
    expect(assemble([text(true, "hello")]).events).toEqual([message(1, "hello")]);
  });

  it("delivers a single-frame binary message as a view of the chunk, without copying", () => {
    const assembler = new MessageAssembler({ maxMessage: Infinity, validateUTF: true, partial: false });
    const chunk = Buffer.from([9, 1, 2, 3, 9]);
    const events: MessageEvent[] = [];
    assembler.beginFrame(3);
    assembler.addPayload(chunk, 1, 4, 2, true, true, true, events);
    expect(events).toEqual([message(2, Buffer.from([1, 2, 3]))]);
    expect((events[0].data as Buffer).buffer).toBe(chunk.buffer);
  });

  it("joins fragments into one message", () => {
    expect(assemble([text(false, "Hel"), text(false, "lo, "), text(true, "world")]).events).toEqual([message(1, "Hello, world")]);
    expect(assemble([binary(false, [1, 2]), binary(true, [3])]).events).toEqual([message(2, Buffer.from([1, 2, 3]))]);
  });

  it("joins a frame whose payload arrives in several pieces", () => {
    expect(assemble([text(true, "ab", "cd", "ef")]).events).toEqual([message(1, "abcdef")]);
  });

  it("delivers empty messages and accepts empty fragments", () => {
    expect(assemble([text(true)]).events).toEqual([message(1, "")]);
    expect(assemble([binary(true)]).events).toEqual([message(2, Buffer.alloc(0))]);
    expect(assemble([text(false), text(false, "a"), text(true)]).events).toEqual([message(1, "a")]);
  });

  it("decodes a code point split across fragments", () => {
    const euro = [...Buffer.from("€")];
    expect(assemble([text(false, [euro[0]]), text(false, [euro[1]]), text(true, [euro[2]])]).events).toEqual([message(1, "€")]);
  });

  it("fails with 1007 on invalid UTF-8 in the first fragment, before the message ends", () => {
    const { events, error } = assemble([text(false, [0xce, 0xba, 0xff]), text(true, "never reached")]);
    expect(events).toEqual([]);
    expect(error).toEqual({ code: 1007, message: "invalid UTF-8 in text message" });
  });

  it("fails with 1007 when a text message ends inside a code point", () => {
    expect(assemble([text(false, "a"), text(true, [0xe2, 0x82])]).error).toEqual({
      code: 1007,
      message: "text message ends inside a UTF-8 sequence",
    });
  });

  it("lets invalid UTF-8 through (with replacement characters) when validation is off", () => {
    expect(assemble([text(true, [0x61, 0xff])], { validateUTF: false }).events).toEqual([
      { kind: "message", type: 1, data: "a\ufffd", last: true, length: 2 },
    ]);
  });

  it("never validates binary messages", () => {
    expect(assemble([binary(true, [0xff, 0xc0])]).events).toEqual([message(2, Buffer.from([0xff, 0xc0]))]);
  });

  it("fails with 1009 when a frame header announces more than maxMessage, before its payload", () => {
    const assembler = new MessageAssembler({ maxMessage: 10, validateUTF: true, partial: false });
    expect(() => assembler.beginFrame(11)).toThrow(new ProtocolError(1009, "message of 11 bytes exceeds maxMessage 10"));
  });

  it("fails with 1009 when fragments add up to more than maxMessage", () => {
    expect(assemble([text(false, "123456"), text(true, "7890x")], { maxMessage: 10 }).error).toEqual({
      code: 1009,
      message: "message of at least 11 bytes exceeds maxMessage 10",
    });
  });

  it("counts maxMessage per message, not per connection", () => {
    expect(assemble([text(true, "1234567890"), text(true, "1234567890")], { maxMessage: 10 }).events).toHaveLength(2);
  });

  describe("in partial mode", () => {
    it("delivers each frame as it completes, the last one marked last", () => {
      expect(assemble([text(false, "Hel"), text(false, "lo"), text(true, "!")], { partial: true }).events).toEqual([
        message(1, "Hel", false),
        message(1, "lo", false),
        message(1, "!", true),
      ]);
      expect(assemble([binary(false, [1]), binary(true, [2, 3])], { partial: true }).events).toEqual([
        message(2, Buffer.from([1]), false),
        message(2, Buffer.from([2, 3]), true),
      ]);
    });

    it("waits for the whole frame when its payload arrives in pieces", () => {
      expect(assemble([text(false, "ab", "cd"), text(true, "e")], { partial: true }).events).toEqual([
        message(1, "abcd", false),
        message(1, "e", true),
      ]);
    });

    it("never splits a code point: an incomplete sequence waits for the next fragment", () => {
      const smile = [...Buffer.from("😀")];
      const frames = [text(false, [0x61, smile[0], smile[1]]), text(false, [smile[2]]), text(true, [smile[3], 0x62])];
      expect(assemble(frames, { partial: true }).events).toEqual([
        message(1, "a", false),
        message(1, "", false),
        message(1, "😀b", true),
      ]);
    });

    it("delivers a single-frame message whole", () => {
      expect(assemble([text(true, "whole")], { partial: true }).events).toEqual([message(1, "whole")]);
    });

    it("still fails fast on invalid UTF-8", () => {
      const { events, error } = assemble([text(false, "ok"), text(false, [0xed, 0xa0, 0x80]), text(true, "x")], { partial: true });
      expect(events).toEqual([message(1, "ok", false)]);
      expect(error?.code).toBe(1007);
    });
  });
});
