// Section 9: large messages up to the echo's 16 MiB limit, whole and in 64 KiB fragments; one byte over fails with 1009.
import { encodeClientFrame, OPCODE } from "../frames.js";
import { echoCase, failCase, type ConformanceCase, type ConformanceSection } from "./case.js";
import { asciiText, binaryBytes, binaryEcho, binaryFrame, contFrame, fragments, frame, split, textEcho, textFrame } from "./wire.js";

const MiB = 1024 * 1024;
/** The /echo/ endpoint's message limit. */
export const ECHO_MESSAGE_LIMIT = 16 * MiB;
/** Waits for the largest cases, in ms. */
const LARGE_TIMEOUT = 20_000;

function sizedCases(): ConformanceCase[] {
  const list: ConformanceCase[] = [];
  let n = 0;
  for (const size of [MiB, 4 * MiB]) {
    const text = asciiText(size);
    const data = binaryBytes(size);
    const label = `${size / MiB} MiB`;
    list.push(
      echoCase(`9.1.${++n}`, `echoes a ${label} text message in one frame`, textFrame(text), [textEcho(text)]),
      echoCase(`9.1.${++n}`, `echoes a ${label} binary message in one frame`, binaryFrame(data), [binaryEcho(data)]),
      echoCase(`9.1.${++n}`, `echoes a ${label} text message in 64 KiB fragments`, Buffer.concat(fragments(OPCODE.TEXT, split(Buffer.from(text), 64 * 1024))), [textEcho(text)]),
      echoCase(`9.1.${++n}`, `echoes a ${label} binary message in 64 KiB fragments`, Buffer.concat(fragments(OPCODE.BINARY, split(data, 64 * 1024))), [binaryEcho(data)]),
    );
  }
  return list;
}

function limitCases(): ConformanceCase[] {
  const atLimit = binaryBytes(ECHO_MESSAGE_LIMIT);
  const overHeader = encodeClientFrame({ opcode: OPCODE.BINARY, payload: Buffer.alloc(16), announcedLength: BigInt(ECHO_MESSAGE_LIMIT + 1) });
  const mebibyte = Buffer.alloc(MiB, 0x5a);
  const overInFragments = Buffer.concat([
    ...Array.from({ length: ECHO_MESSAGE_LIMIT / MiB }, (_, index) => frame(index === 0 ? OPCODE.BINARY : OPCODE.CONT, mebibyte, { fin: false })),
    contFrame(Buffer.alloc(1)),
  ]);
  return [
    echoCase("9.2.1", "echoes a 16 MiB binary message in one frame (the echo's limit)", binaryFrame(atLimit), [binaryEcho(atLimit)]),
    failCase("9.2.2", "closes with 1009 on a frame announcing 16 MiB + 1 byte, before its payload arrives", 1009, overHeader),
    failCase("9.2.3", "closes with 1009 when a fragmented message grows to 16 MiB + 1 byte", 1009, overInFragments),
  ];
}

/** Section 9: limits and large messages; every wait may take up to 20 s. */
export const LIMITS: ConformanceSection = { title: "9 limits", cases: [...sizedCases(), ...limitCases()].map((c) => ({ ...c, timeout: LARGE_TIMEOUT })) };
