// Sections 3 and 4: reserved bits and reserved opcodes fail the connection with 1002, nothing after.
import { failCase, write, type ConformanceCase, type ConformanceSection, type Step } from "./case.js";
import { binaryFrame, closeFrame, frame, pingFrame, textEcho, textFrame } from "./wire.js";

const RSV_VALUES = [1, 2, 3, 4, 5, 6, 7];

/** A valid message, then `bad`, then a ping that must not be answered: the echo, then 1002. */
function afterValidMessage(bad: Buffer): Buffer {
  return Buffer.concat([textFrame("valid before"), bad, pingFrame("after")]);
}

function reservedBitCases(): ConformanceCase[] {
  const shapes: { name: string; steps: (rsv: number) => Buffer | Step[]; echo: boolean }[] = [
    { name: "a text frame", steps: (rsv) => textFrame("reserved", { rsv }), echo: false },
    { name: "a binary frame", steps: (rsv) => binaryFrame(Buffer.from([1, 2, 3]), { rsv }), echo: false },
    { name: "a ping", steps: (rsv) => pingFrame("reserved", { rsv }), echo: false },
    { name: "a close frame", steps: (rsv) => closeFrame(1000, "", { rsv }), echo: false },
    { name: "a text frame after a valid message, with a ping after", steps: (rsv) => afterValidMessage(textFrame("reserved", { rsv })), echo: true },
    {
      name: "a text frame after a valid message, with a ping after, all written one byte at a time",
      steps: (rsv) => [write(afterValidMessage(textFrame("reserved", { rsv })), 1)],
      echo: true,
    },
  ];
  return shapes.flatMap((shape, group) =>
    RSV_VALUES.map((rsv) => {
      const expected = shape.echo ? [textEcho("valid before")] : [];
      const then = shape.echo ? "echoes the valid message, then " : "";
      return failCase(
        `3.${group + 1}.${rsv}`,
        `${then}closes with 1002 on ${shape.name} with RSV=${rsv}, answering nothing after`,
        1002,
        shape.steps(rsv),
        expected,
      );
    }),
  );
}

/** Section 3: reserved bits set without an extension that defines them. */
export const RESERVED_BITS: ConformanceSection = { title: "3 reserved bits", cases: reservedBitCases() };

function reservedOpcodeCases(group: number, kind: string, opcodes: readonly number[]): ConformanceCase[] {
  return opcodes.flatMap((opcode, index) => {
    const n = index * 3;
    return [
      failCase(`4.${group}.${n + 1}`, `closes with 1002 on ${kind} opcode ${opcode} without payload`, 1002, frame(opcode)),
      failCase(`4.${group}.${n + 2}`, `closes with 1002 on ${kind} opcode ${opcode} with a payload`, 1002, frame(opcode, "payload")),
      failCase(
        `4.${group}.${n + 3}`,
        `echoes a valid message, then closes with 1002 on ${kind} opcode ${opcode}, answering no ping after`,
        1002,
        afterValidMessage(frame(opcode, "payload")),
        [textEcho("valid before")],
      ),
    ];
  });
}

/** Section 4: reserved opcodes, non-control 3-7 and control 11-15. */
export const OPCODES: ConformanceSection = {
  title: "4 opcodes",
  cases: [...reservedOpcodeCases(1, "reserved non-control", [3, 4, 5, 6, 7]), ...reservedOpcodeCases(2, "reserved control", [11, 12, 13, 14, 15])],
};
