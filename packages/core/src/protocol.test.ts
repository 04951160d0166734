import { describe, expect, it, vi } from "vitest";
import { WS_STATE_CLOSED, WS_STATE_CLOSING, WS_STATE_OPEN } from "./constants.js";
import { TEST_KEY, parse, rawFrame, rawFrames, receiveInPieces, sentFrames } from "./frames.test-helpers.js";
import { Protocol, type ProtocolEvent } from "./protocol.js";

const text = (data: string) => ({ kind: "message", type: 1, data, last: true, length: Buffer.byteLength(data) });
const closeFrame = (code: number, reason = "") => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return rawFrame({ opcode: 8, payload });
};

describe("Protocol", () => {
  it("refuses an unknown role", () => {
    expect(() => new Protocol({ role: "peer" as "server" })).toThrow(TypeError);
  });

  it("starts open, with the seed's default limits", () => {
    const protocol = new Protocol({ role: "server" });
    expect(protocol.state).toBe(WS_STATE_OPEN);
    expect([protocol.maxFrame, protocol.maxMessage, protocol.validateUTF, protocol.partial]).toEqual([131072, 1048576, true, false]);
    expect(protocol.closeSent).toBeUndefined();
    expect(protocol.closeReceived).toBeUndefined();
  });

  describe("receiving", () => {
    it("parses many frames from one chunk, in order", () => {
      const bytes = rawFrames({ opcode: 1, payload: "one" }, { opcode: 2, payload: [2] }, { opcode: 1, payload: "three" });
      expect(parse(bytes).events).toEqual([text("one"), { kind: "message", type: 2, data: Buffer.from([2]), last: true, length: 1 }, text("three")]);
    });

    it("parses the same frames fed one byte at a time", () => {
      const bytes = rawFrames({ opcode: 1, payload: "one" }, { opcode: 1, payload: "x".repeat(300) }, { opcode: 9, payload: "p" });
      expect(parse(bytes, {}, 1).events).toEqual(parse(bytes).events);
    });

    it("delivers a binary frame that arrived whole as a view of the chunk", () => {
      const chunk = rawFrame({ opcode: 2, payload: [1, 2, 3] });
      const events: ProtocolEvent[] = [];
      new Protocol({ role: "server" }).receive(chunk, events);
      expect(events[0]).toMatchObject({ kind: "message", data: Buffer.from([1, 2, 3]) });
      expect(events[0].kind === "message" && (events[0].data as Buffer).buffer).toBe(chunk.buffer);
    });

    it("copies a binary frame spanning chunks into a buffer of its own, leaving the chunks as they came", () => {
      const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 13) & 0xff));
      const bytes = rawFrames({ opcode: 2, payload }, { opcode: 2, payload: [9] });
      const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 40_001), bytes.subarray(40_001)].map((piece) => Buffer.from(piece));
      const received = chunks.map((chunk) => Buffer.from(chunk));
      const protocol = new Protocol({ role: "server" });
      const events: ProtocolEvent[] = [];
      for (const chunk of chunks) protocol.receive(chunk, events);
      expect(events.map((event) => event.kind === "message" && event.length)).toEqual([70_000, 1]);
      const message = events[0].kind === "message" ? (events[0].data as Buffer) : Buffer.alloc(0);
      expect(message.equals(payload)).toBe(true);
      expect(chunks.some((chunk) => chunk.buffer === message.buffer)).toBe(false);
      expect(chunks[1].equals(received[1])).toBe(true);
    });

    it("allocates no frame-sized buffer for a large frame of which little has arrived", () => {
      const payload = Buffer.alloc(1 << 20, 7);
      const bytes = rawFrames({ opcode: 2, payload });
      const protocol = new Protocol({ role: "server", maxFrame: Infinity, maxMessage: Infinity });
      const events: ProtocolEvent[] = [];
      const allocations = vi.spyOn(Buffer, "allocUnsafe");
      try {
        protocol.receive(Buffer.from(bytes.subarray(0, 1000)), events);
        expect(allocations.mock.calls.filter(([size]) => size >= 1 << 20)).toEqual([]);
        for (let at = 1000; at < bytes.length; at += 65_536) protocol.receive(Buffer.from(bytes.subarray(at, at + 65_536)), events);
      } finally {
        allocations.mockRestore();
      }
      expect(events).toHaveLength(1);
      expect(events[0].kind === "message" && (events[0].data as Buffer).equals(payload)).toBe(true);
    });

    it("copies a large frame into a buffer of its own once a sixteenth of it has arrived, the pieces before it included", () => {
      const payload = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 0xff));
      const bytes = rawFrames({ opcode: 2, payload });
      const protocol = new Protocol({ role: "server", maxFrame: Infinity, maxMessage: Infinity });
      const events: ProtocolEvent[] = [];
      const allocations = vi.spyOn(Buffer, "allocUnsafe");
      const chunks = [bytes.subarray(0, 1000)];
      for (let at = 1000; at < bytes.length; at += 16_384) chunks.push(bytes.subarray(at, at + 16_384));
      const frameSized = () => allocations.mock.calls.filter(([size]) => size >= 1 << 20).length;
      const allocatedAfter: number[] = [];
      try {
        for (const chunk of chunks) {
          protocol.receive(Buffer.from(chunk), events);
          allocatedAfter.push(frameSized());
        }
      } finally {
        allocations.mockRestore();
      }
      // 1000 bytes, then 16 KiB reads: the 5th read brings the frame past 64 KiB.
      expect(allocatedAfter.slice(0, 6)).toEqual([0, 0, 0, 0, 1, 1]);
      expect(allocatedAfter.at(-1)).toBe(1);
      expect(events).toHaveLength(1);
      expect(events[0].kind === "message" && (events[0].data as Buffer).equals(payload)).toBe(true);
    });

    it("allocates no buffer more than 1 MiB ahead of what has arrived, however large the frame may be", () => {
      const length = 16 << 20;
      const protocol = new Protocol({ role: "server", maxFrame: length, maxMessage: length });
      const events: ProtocolEvent[] = [];
      const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x01, 0, 0, 0, 1, 2, 3, 4]); // 16 MiB, masked
      const allocations = vi.spyOn(Buffer, "allocUnsafe");
      try {
        protocol.receive(header, events);
        for (let sent = 0; sent < 2 << 20; sent += 65_536) protocol.receive(Buffer.alloc(65_536), events);
        expect(allocations.mock.calls.filter(([size]) => size >= 1 << 20)).toEqual([]);
      } finally {
        allocations.mockRestore();
      }
      expect(events).toEqual([]);
    });

    it("joins a fragmented message whose later frame is moved into a buffer of its own partway", () => {
      const head = "é".repeat(40_000);
      const tail = "ü€".repeat(100_000);
      const bytes = rawFrames({ opcode: 1, fin: false, payload: head }, { opcode: 0, payload: tail });
      const events = parse(bytes, { maxFrame: Infinity, maxMessage: Infinity }, 3_000).events;
      expect(events).toEqual([text(head + tail)]);
    });

    it("copies a text frame spanning chunks, and a fragmented message of such frames, whole", () => {
      const long = "é".repeat(40_000);
      const bytes = rawFrames({ opcode: 1, payload: long }, { opcode: 1, fin: false, payload: long }, { opcode: 0, payload: long });
      expect(parse(bytes, {}, 30_000).events).toEqual([text(long), text(long + long)]);
    });

    it("answers a ping with a pong carrying the same payload", () => {
      const { protocol, events } = parse(rawFrame({ opcode: 9, payload: "are you there?" }));
      expect(events).toEqual([{ kind: "ping", data: Buffer.from("are you there?") }]);
      expect(sentFrames(protocol)).toEqual([{ opcode: 10, fin: true, payload: Buffer.from("are you there?"), masked: false }]);
    });

    it("masks its pong in the client role", () => {
      const { protocol } = parse(rawFrame({ opcode: 9, payload: "hi", mask: false }), { role: "client" });
      expect(sentFrames(protocol)).toEqual([{ opcode: 10, fin: true, payload: Buffer.from("hi"), masked: true }]);
    });

    it("answers a ping whose payload arrives one byte at a time", () => {
      const { protocol, events } = parse(rawFrame({ opcode: 9, payload: "x".repeat(125) }), {}, 1);
      expect(events).toEqual([{ kind: "ping", data: Buffer.from("x".repeat(125)) }]);
      expect(sentFrames(protocol)[0].payload.toString()).toBe("x".repeat(125));
    });

    it("holds the answers to pings while asked to, then answers the latest one only", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.holdPongs(true);
      const events: ProtocolEvent[] = [];
      protocol.receive(rawFrames({ opcode: 9, payload: "one" }, { opcode: 9, payload: "two" }, { opcode: 9, payload: "three" }), events);
      expect(events.map((event) => event.kind)).toEqual(["ping", "ping", "ping"]);
      expect(protocol.pongHeld).toBe(true);
      expect(protocol.outgoingBytes).toBe(0);
      protocol.holdPongs(false);
      expect(protocol.pongHeld).toBe(false);
      expect(sentFrames(protocol)).toEqual([{ opcode: 10, fin: true, payload: Buffer.from("three"), masked: false }]);
    });

    it("drops a held answer once it has sent its close", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.holdPongs(true);
      protocol.receive(rawFrame({ opcode: 9, payload: "late" }), []);
      protocol.close(1000, "bye");
      protocol.holdPongs(false);
      expect(sentFrames(protocol).map((frame) => frame.opcode)).toEqual([8]);
    });

    it("reports a pong and sends nothing back", () => {
      const { protocol, events } = parse(rawFrame({ opcode: 10, payload: "beat" }));
      expect(events).toEqual([{ kind: "pong", data: Buffer.from("beat") }]);
      expect(protocol.outgoingBytes).toBe(0);
    });

    it("handles control frames between the fragments of a message", () => {
      const bytes = rawFrames(
        { opcode: 1, fin: false, payload: "frag" },
        { opcode: 9, payload: "ping" },
        { opcode: 0, fin: false, payload: "men" },
        { opcode: 10 },
        { opcode: 0, payload: "ted" },
      );
      expect(parse(bytes).events).toEqual([
        { kind: "ping", data: Buffer.from("ping") },
        { kind: "pong", data: Buffer.alloc(0) },
        text("fragmented"),
      ]);
    });

    it("delivers each fragment in partial mode, settable at any time", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.partial = true;
      const events = receiveInPieces(protocol, rawFrames({ opcode: 1, fin: false, payload: "ab" }, { opcode: 0, payload: "c" }));
      expect(events).toEqual([
        { kind: "message", type: 1, data: "ab", last: false, length: 2 },
        { kind: "message", type: 1, data: "c", last: true, length: 1 },
      ]);
    });
  });

  describe("failing the connection", () => {
    it("reports one error, queues a close with its code and reason, and ignores further input", () => {
      const { protocol, events } = parse(rawFrames({ opcode: 1, payload: "ok" }, { opcode: 5 }, { opcode: 1, payload: "ignored" }));
      expect(events).toEqual([text("ok"), { kind: "error", code: 1002, message: "reserved opcode 5" }]);
      expect(sentFrames(protocol)).toEqual([{ opcode: 8, fin: true, payload: Buffer.from("\x03\xeareserved opcode 5", "latin1"), masked: false }]);
      expect(protocol.state).toBe(WS_STATE_CLOSED);
      expect(protocol.closeSent).toEqual({ code: 1002, reason: "reserved opcode 5" });
      const later: ProtocolEvent[] = [];
      protocol.receive(rawFrame({ opcode: 1, payload: "more" }), later);
      expect(later).toEqual([]);
      expect(protocol.outgoingBytes).toBe(0);
    });

    it("fails with 1002 on an unmasked client frame", () => {
      expect(parse(rawFrame({ opcode: 1, payload: "a", mask: false })).events).toEqual([
        { kind: "error", code: 1002, message: "unmasked frame from a client" },
      ]);
    });

    it("fails with 1002 on a masked server frame, answering with a masked close", () => {
      const { protocol, events } = parse(rawFrame({ opcode: 1, payload: "a", mask: TEST_KEY }), { role: "client" });
      expect(events).toEqual([{ kind: "error", code: 1002, message: "masked frame from a server" }]);
      expect(sentFrames(protocol)[0]).toMatchObject({ opcode: 8, masked: true });
    });

    it("fails with 1009 from the header of a frame over maxFrame, before its payload arrives", () => {
      const header = rawFrame({ opcode: 2, payload: Buffer.alloc(2000) }).subarray(0, 8);
      expect(parse(header, { maxFrame: 1000 }).events).toEqual([
        { kind: "error", code: 1009, message: "frame payload of 2000 bytes exceeds maxFrame 1000" },
      ]);
    });

    it("fails with 1009 from the header of a fragment that takes the message over maxMessage", () => {
      const bytes = rawFrames({ opcode: 2, fin: false, payload: Buffer.alloc(600) }, { opcode: 0, payload: Buffer.alloc(600) });
      expect(parse(bytes.subarray(0, 616), { maxMessage: 1000 }).events).toEqual([
        { kind: "error", code: 1009, message: "message of at least 1200 bytes exceeds maxMessage 1000" },
      ]);
    });

    it("applies a limit changed between frames", () => {
      const protocol = new Protocol({ role: "server" });
      expect(receiveInPieces(protocol, rawFrame({ opcode: 1, payload: "12345" }))).toEqual([text("12345")]);
      protocol.maxFrame = 4;
      expect(receiveInPieces(protocol, rawFrame({ opcode: 1, payload: "12345" }))[0]).toMatchObject({ kind: "error", code: 1009 });
    });

    it("does not apply maxMessage to control frames", () => {
      expect(parse(rawFrame({ opcode: 9, payload: "1234" }), { maxMessage: 2 }).events).toHaveLength(1);
    });

    it("fails with 1007 as soon as an invalid byte arrives, mid-frame", () => {
      const bytes = rawFrame({ opcode: 1, payload: Buffer.concat([Buffer.from("valid text "), Buffer.from([0xf8]), Buffer.alloc(500, 0x61)]) });
      const protocol = new Protocol({ role: "server" });
      const events: ProtocolEvent[] = [];
      protocol.receive(Buffer.from(bytes.subarray(0, 18)), events); // header (8) + "valid text"
      expect(events).toEqual([]);
      protocol.receive(Buffer.from(bytes.subarray(18, 20)), events); // " " and 0xF8
      expect(events).toEqual([{ kind: "error", code: 1007, message: "invalid UTF-8 in text message" }]);
    });

    it("fails with 1007 on invalid UTF-8 in a close reason", () => {
      const payload = Buffer.from([0x03, 0xe8, 0xed, 0xa0, 0x80]);
      expect(parse(rawFrame({ opcode: 8, payload })).events).toEqual([{ kind: "error", code: 1007, message: "invalid UTF-8 in close reason" }]);
    });

    it("fails with 1002 on a close payload of 1 byte or an invalid close code", () => {
      expect(parse(rawFrame({ opcode: 8, payload: [3] })).events[0]).toMatchObject({ code: 1002 });
      expect(parse(closeFrame(1005)).events).toEqual([{ kind: "error", code: 1002, message: "invalid close code 1005 in close frame" }]);
    });

    it("accepts invalid UTF-8 when validation is off", () => {
      expect(parse(rawFrame({ opcode: 1, payload: [0xff] }), { validateUTF: false }).events).toEqual([
        { kind: "message", type: 1, data: "\ufffd", last: true, length: 1 },
      ]);
    });

    it("does not send a second close when ours already went out", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.close(1001);
      protocol.takeOutgoing();
      expect(receiveInPieces(protocol, rawFrame({ opcode: 4 }))).toEqual([{ kind: "error", code: 1002, message: "reserved opcode 4" }]);
      expect(protocol.outgoingBytes).toBe(0);
      expect(protocol.closeSent).toEqual({ code: 1001, reason: "" });
    });

    it("never throws on any single bad frame", () => {
      for (let first = 0; first < 256; first++) {
        for (const second of [0, 1, 125, 126, 127, 0x80, 0xfe, 0xff]) {
          expect(() => parse(Buffer.from([first, second, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))).not.toThrow();
        }
      }
    });
  });

  describe("the closing handshake", () => {
    it("echoes the peer's close code (not its reason) and closes", () => {
      const { protocol, events } = parse(closeFrame(1001, "going away"));
      expect(events).toEqual([{ kind: "close", code: 1001, reason: "going away" }]);
      expect(sentFrames(protocol)).toEqual([{ opcode: 8, fin: true, payload: Buffer.from([0x03, 0xe9]), masked: false }]);
      expect(protocol.closeReceived).toEqual({ code: 1001, reason: "going away" });
      expect(protocol.closeSent).toEqual({ code: 1001, reason: "" });
      expect(protocol.state).toBe(WS_STATE_CLOSED);
    });

    it("answers a close without a code with a close without a code, reporting 1005", () => {
      const { protocol, events } = parse(rawFrame({ opcode: 8 }));
      expect(events).toEqual([{ kind: "close", code: 1005, reason: "" }]);
      expect(sentFrames(protocol)).toEqual([{ opcode: 8, fin: true, payload: Buffer.alloc(0), masked: false }]);
      expect(protocol.closeSent).toEqual({ code: 1005, reason: "" });
    });

    it("echoes a private-use code", () => {
      const { protocol } = parse(closeFrame(4999));
      expect(sentFrames(protocol)[0].payload).toEqual(Buffer.from([0x13, 0x87]));
    });

    it("reads a close frame split across chunks", () => {
      expect(parse(closeFrame(1000, "done"), {}, 1).events).toEqual([{ kind: "close", code: 1000, reason: "done" }]);
    });

    it("ignores everything after the peer's close frame", () => {
      const { events } = parse(Buffer.concat([closeFrame(1000), rawFrame({ opcode: 1, payload: "late" }), Buffer.from([0xff, 0xff])]));
      expect(events).toEqual([{ kind: "close", code: 1000, reason: "" }]);
    });

    it("when we close first: waits in CLOSING, still reports data, no longer answers pings, and ends without an echo", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.close(1000, "bye");
      expect(protocol.state).toBe(WS_STATE_CLOSING);
      expect(sentFrames(protocol)).toEqual([{ opcode: 8, fin: true, payload: Buffer.from("\x03\xe8bye", "latin1"), masked: false }]);
      const events = receiveInPieces(protocol, rawFrames({ opcode: 1, payload: "in flight" }, { opcode: 9, payload: "p" }));
      expect(events).toEqual([text("in flight"), { kind: "ping", data: Buffer.from("p") }]);
      expect(protocol.outgoingBytes).toBe(0);
      expect(receiveInPieces(protocol, closeFrame(1000))).toEqual([{ kind: "close", code: 1000, reason: "" }]);
      expect(protocol.outgoingBytes).toBe(0);
      expect(protocol.state).toBe(WS_STATE_CLOSED);
      expect(protocol.closeSent).toEqual({ code: 1000, reason: "bye" });
    });

    describe("with deferCloseEcho", () => {
      it("reports the peer's close after the messages before it, without answering it yet", () => {
        const { protocol, events } = parse(Buffer.concat([rawFrame({ opcode: 1, payload: "question" }), closeFrame(1000, "bye")]), { deferCloseEcho: true });
        expect(events).toEqual([text("question"), { kind: "close", code: 1000, reason: "bye" }]);
        expect(protocol.outgoingBytes).toBe(0);
        expect(protocol.state).toBe(WS_STATE_CLOSING);
        expect(protocol.closeReceived).toEqual({ code: 1000, reason: "bye" });
        expect(protocol.closeSent).toBeUndefined();
      });

      it("lets replies go out before the echo that answerClose queues", () => {
        const { protocol } = parse(Buffer.concat([rawFrame({ opcode: 1, payload: "question" }), closeFrame(4001)]), { deferCloseEcho: true });
        protocol.send(1, "answer");
        protocol.answerClose();
        expect(sentFrames(protocol)).toEqual([
          { opcode: 1, fin: true, payload: Buffer.from("answer"), masked: false },
          { opcode: 8, fin: true, payload: Buffer.from([0x0f, 0xa1]), masked: false },
        ]);
        expect(protocol.state).toBe(WS_STATE_CLOSED);
        expect(protocol.closeSent).toEqual({ code: 4001, reason: "" });
        expect(() => protocol.send(1, "late")).toThrow("cannot send a message: the connection is closed");
      });

      it("answers a close without a code with a close without a code", () => {
        const { protocol } = parse(rawFrame({ opcode: 8 }), { deferCloseEcho: true });
        protocol.answerClose();
        expect(sentFrames(protocol)).toEqual([{ opcode: 8, fin: true, payload: Buffer.alloc(0), masked: false }]);
      });

      it("may answer with a close of its own instead of the echo", () => {
        const { protocol } = parse(closeFrame(1000), { deferCloseEcho: true });
        protocol.close(1011, "handler failed");
        expect(protocol.state).toBe(WS_STATE_CLOSED);
        expect(sentFrames(protocol)[0].payload).toEqual(Buffer.from("\x03\xf3handler failed", "latin1"));
        protocol.answerClose(); // already answered: nothing more is queued
        expect(protocol.outgoingBytes).toBe(0);
      });

      it("holds a protocol error's close until answerClose, so replies to earlier messages go first", () => {
        const bad = rawFrame({ opcode: 1, payload: "x", rsv: 0b100 });
        const { protocol, events } = parse(Buffer.concat([rawFrame({ opcode: 1, payload: "question" }), bad]), { deferCloseEcho: true });
        expect(events).toEqual([text("question"), { kind: "error", code: 1002, message: expect.any(String) }]);
        expect(protocol.outgoingBytes).toBe(0);
        expect(protocol.state).toBe(WS_STATE_CLOSING);
        protocol.send(1, "answer");
        protocol.answerClose();
        const frames = sentFrames(protocol);
        expect(frames.map((frame) => frame.opcode)).toEqual([1, 8]);
        expect(frames[1]?.payload.readUInt16BE(0)).toBe(1002);
        expect(protocol.state).toBe(WS_STATE_CLOSED);
        expect(protocol.closeSent?.code).toBe(1002);
        expect(() => protocol.send(1, "late")).toThrow("cannot send a message: the connection is closed");
      });

      it("still answers pings at once before the close", () => {
        const { protocol } = parse(Buffer.concat([rawFrame({ opcode: 9, payload: "p" }), closeFrame(1000)]), { deferCloseEcho: true });
        expect(sentFrames(protocol)).toEqual([{ opcode: 10, fin: true, payload: Buffer.from("p"), masked: false }]);
      });
    });

    it("refuses to answer a close that never came", () => {
      expect(() => new Protocol({ role: "server" }).answerClose()).toThrow("cannot answer a close: none was received");
    });

    it("sends a close without a code when none is given", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.close();
      expect(sentFrames(protocol)[0].payload).toHaveLength(0);
      expect(protocol.closeSent).toEqual({ code: 1005, reason: "" });
    });

    it.each([1005, 1006, 1015, 999, 1004, 1016, 2999, 5000])("refuses to send close code %i", (code) => {
      const protocol = new Protocol({ role: "server" });
      expect(() => protocol.close(code)).toThrow(RangeError);
      expect(protocol.state).toBe(WS_STATE_OPEN);
      expect(protocol.outgoingBytes).toBe(0);
    });

    it("refuses a reason over 123 bytes", () => {
      expect(() => new Protocol({ role: "server" }).close(1000, "r".repeat(124))).toThrow(RangeError);
    });

    it("refuses a second close", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.close(1000);
      expect(() => protocol.close(1000)).toThrow("cannot send a close frame: one was already sent");
    });
  });

  describe("sending", () => {
    it("sends unmasked frames in the server role and masked ones in the client role", () => {
      for (const role of ["server", "client"] as const) {
        const protocol = new Protocol({ role });
        protocol.send(1, "hi");
        protocol.send(2, Uint8Array.from([1, 2]));
        expect(sentFrames(protocol)).toEqual([
          { opcode: 1, fin: true, payload: Buffer.from("hi"), masked: role === "client" },
          { opcode: 2, fin: true, payload: Buffer.from([1, 2]), masked: role === "client" },
        ]);
      }
    });

    it("counts the queued bytes and hands them over once", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.send(1, "hello");
      protocol.ping("p");
      expect(protocol.outgoingBytes).toBe(7 + 3);
      expect(Buffer.concat(protocol.takeOutgoing())).toHaveLength(10);
      expect(protocol.outgoingBytes).toBe(0);
      expect(protocol.takeOutgoing()).toEqual([]);
    });

    it("splits a message larger than maxFrame into a first frame and continuations", () => {
      const protocol = new Protocol({ role: "client", maxFrame: 4 });
      protocol.send(1, "abcdefghij");
      protocol.send(2, Buffer.from("0123"));
      expect(sentFrames(protocol).map(({ opcode, fin, payload }) => [opcode, fin, payload.toString()])).toEqual([
        [1, false, "abcd"],
        [0, false, "efgh"],
        [0, true, "ij"],
        [2, true, "0123"],
      ]);
    });

    it("streams one message over several sends with `more`, control frames in between", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.send(1, "one ", true);
      protocol.ping();
      protocol.send(1, "two ", true);
      protocol.send(1, "three");
      protocol.send(2, Buffer.from("next"));
      expect(sentFrames(protocol).map(({ opcode, fin, payload }) => [opcode, fin, payload.toString()])).toEqual([
        [1, false, "one "],
        [9, true, ""],
        [0, false, "two "],
        [0, true, "three"],
        [2, true, "next"],
      ]);
    });

    it("refuses a message type other than text or binary", () => {
      expect(() => new Protocol({ role: "server" }).send(8 as 1, "x")).toThrow(RangeError);
    });

    it("refuses control payloads over 125 bytes", () => {
      const protocol = new Protocol({ role: "server" });
      expect(() => protocol.ping("x".repeat(126))).toThrow("a ping payload of 126 bytes exceeds 125");
      expect(() => protocol.pong(new Uint8Array(126))).toThrow(RangeError);
      protocol.ping("x".repeat(125));
    });

    it("refuses to send anything after our close", () => {
      const protocol = new Protocol({ role: "server" });
      protocol.close(1000);
      expect(() => protocol.send(1, "late")).toThrow("cannot send a message: a close frame was already sent");
      expect(() => protocol.ping()).toThrow(Error);
      expect(() => protocol.pong()).toThrow(Error);
    });

    it("refuses to send once the connection is closed", () => {
      const { protocol } = parse(closeFrame(1000));
      expect(() => protocol.send(1, "late")).toThrow("cannot send a message: the connection is closed");
    });
  });
});
