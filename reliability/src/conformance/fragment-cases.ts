// Section 5: fragmented messages are reassembled; fragmented control frames and stray continuations fail with 1002.
import { OPCODE } from "../frames.js";
import { echoCase, failCase, write, type ConformanceCase, type ConformanceSection, type Step } from "./case.js";
import { binaryEcho, contFrame, fragments, frame, pingFrame, pongFrame, pongOf, split, textEcho, textFrame } from "./wire.js";

/** Write each buffer with `ms` of silence between them. */
function paced(buffers: readonly Buffer[], ms: number): Step[] {
  return buffers.flatMap((bytes, index) => (index === 0 ? [write(bytes)] : [{ kind: "pause" as const, ms }, write(bytes)]));
}

/** The three ways a sequence is delivered: one write, one byte per write, frame by frame with pauses. */
function deliveries(frames: readonly Buffer[]): { how: string; steps: Step[] }[] {
  const all = Buffer.concat(frames);
  return [
    { how: "in one write", steps: [write(all)] },
    { how: "written one byte at a time", steps: [write(all, 1)] },
    { how: "frame by frame 50 ms apart", steps: paced(frames, 50) },
  ];
}

function cases(): ConformanceCase[] {
  const first = textFrame("fragment1", { fin: false });
  const last = contFrame("fragment2");
  const twoParts = [first, last];
  const withPing = [first, pingFrame("between"), last];
  const strayFinal = [contFrame("stray", { fin: true }), textFrame("never echoed")];
  const strayOpen = [contFrame("stray", { fin: false }), textFrame("never echoed")];
  const open = { fin: false };
  const fivePinged = [
    textFrame("one", open),
    contFrame("two", open),
    pingFrame("first"),
    contFrame("three", open),
    contFrame("four", open),
    pingFrame("second"),
    contFrame("five"),
  ];
  const oneByteText = "many one-byte fragments".repeat(40);
  const list: ConformanceCase[] = [
    failCase("5.1", "closes with 1002 on a ping in 2 fragments, sending no pong", 1002, Buffer.concat([pingFrame("frag", { fin: false }), contFrame("ment")])),
    failCase("5.2", "closes with 1002 on a pong in 2 fragments", 1002, Buffer.concat([pongFrame("frag", { fin: false }), contFrame("ment")])),
  ];
  deliveries(twoParts).forEach(({ how, steps }, index) =>
    list.push(echoCase(`5.${3 + index}`, `echoes a text message in 2 fragments ${how} as one message`, steps, [textEcho("fragment1fragment2")])),
  );
  deliveries(withPing).forEach(({ how, steps }, index) =>
    list.push(
      echoCase(`5.${6 + index}`, `answers a ping between 2 fragments (${how}) with its pong, then echoes the message`, steps, [
        pongOf("between"),
        textEcho("fragment1fragment2"),
      ]),
    ),
  );
  deliveries(strayFinal).forEach(({ how, steps }, index) =>
    list.push(failCase(`5.${9 + index}`, `closes with 1002 on a final continuation with nothing to continue (${how}), echoing nothing after`, 1002, steps)),
  );
  deliveries(strayOpen).forEach(({ how, steps }, index) =>
    list.push(failCase(`5.${12 + index}`, `closes with 1002 on a non-final continuation with nothing to continue (${how}), echoing nothing after`, 1002, steps)),
  );
  list.push(
    failCase(
      "5.15",
      "echoes a 2-fragment message, then closes with 1002 on a continuation after it, echoing nothing after",
      1002,
      Buffer.concat([...twoParts, contFrame("stray", { fin: false }), textFrame("never echoed")]),
      [textEcho("fragment1fragment2")],
    ),
    failCase(
      "5.16",
      "closes with 1002 on a non-final continuation before a 2-fragment message, sent twice",
      1002,
      Buffer.concat([contFrame("a", { fin: false }), ...twoParts, contFrame("a", { fin: false }), ...twoParts]),
    ),
    failCase(
      "5.17",
      "closes with 1002 on a final continuation before a 2-fragment message, sent twice",
      1002,
      Buffer.concat([contFrame("a"), ...twoParts, contFrame("a"), ...twoParts]),
    ),
    failCase("5.18", "closes with 1002 on a new text frame while a fragmented text message is open", 1002, Buffer.concat([textFrame("open", { fin: false }), textFrame("new")])),
    failCase("5.19", "closes with 1002 on a binary frame while a fragmented text message is open", 1002, Buffer.concat([textFrame("open", { fin: false }), frame(OPCODE.BINARY, "new")])),
    echoCase("5.20", "answers 2 pings among 5 fragments sent 50 ms apart, then echoes the message", paced(fivePinged, 50), [
      pongOf("first"),
      pongOf("second"),
      textEcho("onetwothreefourfive"),
    ]),
    echoCase("5.21", "answers 2 pings among 5 fragments written one byte at a time, then echoes the message", [write(Buffer.concat(fivePinged), 1)], [
      pongOf("first"),
      pongOf("second"),
      textEcho("onetwothreefourfive"),
    ]),
    echoCase("5.22", "echoes a binary message in 2 fragments as one binary message", Buffer.concat(fragments(OPCODE.BINARY, [Buffer.from([0, 1, 2]), Buffer.from([253, 254, 255])])), [
      binaryEcho(Buffer.from([0, 1, 2, 253, 254, 255])),
    ]),
    echoCase("5.23", `echoes a text message of ${oneByteText.length} one-byte fragments as one message`, Buffer.concat(fragments(OPCODE.TEXT, split(Buffer.from(oneByteText), 1))), [
      textEcho(oneByteText),
    ]),
    echoCase("5.24", "echoes a message whose first and last fragments are empty", Buffer.concat(fragments(OPCODE.TEXT, [Buffer.alloc(0), Buffer.from("middle"), Buffer.alloc(0)])), [
      textEcho("middle"),
    ]),
    echoCase("5.25", "ignores a pong between fragments and echoes the message", Buffer.concat([first, pongFrame("ignored"), last]), [
      textEcho("fragment1fragment2"),
    ]),
    failCase("5.26", "closes with 1002 on a close frame in 2 fragments", 1002, Buffer.concat([frame(OPCODE.CLOSE, Buffer.from([0x03, 0xe8]), { fin: false }), contFrame("")])),
  );
  return list;
}

/** Section 5: fragmentation. */
export const FRAGMENTATION: ConformanceSection = { title: "5 fragmentation", cases: cases() };
