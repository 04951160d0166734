// Section 7: the close handshake: codes echoed or refused, reasons checked, nothing handled after a close, TCP closed.
import { OPCODE } from "../frames.js";
import { clientCloseCase, echoCase, failCase, type ConformanceCase, type ConformanceSection } from "./case.js";
import { asciiText, closeFrame, contFrame, frame, pingFrame, textEcho, textFrame } from "./wire.js";

/**
 * Codes a peer may send (RFC 6455 7.4.1 and the IANA registry: 1012-1014 are registered), each
 * echoed back. A conformance suite accepts 1000 as the answer too; our contract is the echo.
 */
export const VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];

/** Codes that must never be on the wire (reserved, local-only or unassigned), each answered with 1002. */
export const INVALID_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

/** 256 KiB of text sent just before a close. */
const LARGE_TEXT = asciiText(256 * 1024);

function handshakeCases(): ConformanceCase[] {
  return [
    echoCase("7.1.1", "echoes a message, then answers the client's close with 1000 and closes the TCP connection", textFrame("Hello"), [textEcho("Hello")]),
    clientCloseCase("7.1.2", "answers the first of two close frames once and sends nothing after", [1000], Buffer.concat([closeFrame(1000), closeFrame(1000)])),
    clientCloseCase("7.1.3", "answers no ping that follows the client's close", [1000], Buffer.concat([closeFrame(1000), pingFrame("too late")])),
    clientCloseCase("7.1.4", "echoes no text message that follows the client's close", [1000], Buffer.concat([closeFrame(1000), textFrame("too late")])),
    clientCloseCase(
      "7.1.5",
      "answers a close that arrives in the middle of a fragmented message and echoes nothing of it",
      [1000],
      Buffer.concat([textFrame("frag", { fin: false }), closeFrame(1000), contFrame("ment")]),
    ),
    clientCloseCase("7.1.6", "answers a close without payload with an empty close or 1000 (RFC 6455 5.5.1)", [null, 1000], closeFrame()),
    clientCloseCase("7.1.7", "answers a close 1000 with a reason with 1000", [1000], closeFrame(1000, "going home")),
    clientCloseCase("7.1.8", "answers a close whose reason is 123 bytes (the most that fits) with 1000", [1000], closeFrame(1000, "*".repeat(123))),
    failCase("7.1.9", "closes with 1002 on a close payload of 1 byte", 1002, frame(OPCODE.CLOSE, Buffer.from([0x03]))),
    failCase("7.1.10", "closes with 1002 on a close frame of 126 bytes (over the control limit)", 1002, closeFrame(1000, "*".repeat(124))),
    failCase(
      "7.1.11",
      "closes with 1007 on a close reason that is not UTF-8",
      1007,
      closeFrame(1000, Buffer.from("cebae1bdb9cf83cebcceb5eda080656469746564", "hex")),
    ),
    clientCloseCase(
      "7.1.12",
      "echoes the messages that arrive in the same write as the client's close before answering it, and no ping after",
      [1000],
      Buffer.concat([textFrame(LARGE_TEXT), textFrame("Hello World!"), closeFrame(1000), pingFrame("too late")]),
      [textEcho(LARGE_TEXT), textEcho("Hello World!")],
    ),
  ];
}

/** Section 7: the close handshake and close codes. */
export const CLOSE: ConformanceSection = {
  title: "7 close",
  cases: [
    ...handshakeCases(),
    ...VALID_CLOSE_CODES.map((code, index) => clientCloseCase(`7.2.${index + 1}`, `echoes the valid close code ${code}`, [code], closeFrame(code))),
    ...INVALID_CLOSE_CODES.map((code, index) => failCase(`7.3.${index + 1}`, `closes with 1002 on the invalid close code ${code}`, 1002, closeFrame(code))),
  ],
};
