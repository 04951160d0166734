// Section 1 (framing: echo at every length form, chunked and byte-wise) and section 10 (many frames in one write).
import { OPCODE } from "../frames.js";
import { echoCase, write, type ConformanceCase, type ConformanceSection } from "./case.js";
import { asciiText, binaryBytes, binaryEcho, binaryFrame, fragments, split, textEcho, textFrame } from "./wire.js";

/** The payload lengths at the edges of the 7-, 16- and 64-bit length forms. */
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

/** Echo cases for one message type at every length, in 997-byte writes and one byte at a time. */
function echoAtEveryLength(group: string, name: "text" | "binary"): ConformanceCase[] {
  const make = (length: number): { bytes: Buffer; echo: ReturnType<typeof textEcho> } => {
    if (name === "text") {
      const text = asciiText(length);
      return { bytes: textFrame(text), echo: textEcho(text) };
    }
    const data = binaryBytes(length);
    return { bytes: binaryFrame(data), echo: binaryEcho(data) };
  };
  const cases = LENGTHS.map((length, index) => {
    const { bytes, echo } = make(length);
    return echoCase(`${group}.${index + 1}`, `echoes a ${name} message of ${length} bytes`, bytes, [echo]);
  });
  const large = make(65536);
  cases.push(echoCase(`${group}.8`, `echoes a ${name} message of 65536 bytes written in 997-byte pieces`, [write(large.bytes, 997)], [large.echo]));
  const small = make(300);
  cases.push(echoCase(`${group}.9`, `echoes a ${name} message of 300 bytes written one byte at a time`, [write(small.bytes, 1)], [small.echo]));
  return cases;
}

/** Section 1: text and binary echoes at every length form. */
export const FRAMING: ConformanceSection = {
  title: "1 framing",
  cases: [...echoAtEveryLength("1.1", "text"), ...echoAtEveryLength("1.2", "binary")],
};

/** 1,000 messages of 64 bytes, text and binary alternating, numbered so order shows. */
function manySmallMessages(): ConformanceCase {
  const frames: Buffer[] = [];
  const echoes = [];
  for (let i = 0; i < 1000; i++) {
    const label = `message ${String(i).padStart(4, "0")} `;
    const text = (label + asciiText(64)).slice(0, 64);
    if (i % 2 === 0) {
      frames.push(textFrame(text));
      echoes.push(textEcho(text));
    } else {
      frames.push(binaryFrame(Buffer.from(text)));
      echoes.push(binaryEcho(Buffer.from(text)));
    }
  }
  return echoCase("10.1", "echoes 1,000 messages of 64 bytes sent in one write, all in order and in their types", Buffer.concat(frames), echoes);
}

/** Section 10: many frames in one write. */
export const MISC: ConformanceSection = {
  title: "10 misc",
  cases: [
    manySmallMessages(),
    echoCase(
      "10.2",
      "echoes a 65536-byte text message sent as 1300-byte fragments in one write as one message",
      Buffer.concat(fragments(OPCODE.TEXT, split(Buffer.from(asciiText(65536)), 1300))),
      [textEcho(asciiText(65536))],
    ),
  ],
};
