// Section 2: pings are answered with pongs carrying the same payload; pongs are ignored.
import { echoCase, failCase, write, type ConformanceCase, type ConformanceSection } from "./case.js";
import { asciiText, binaryBytes, pingFrame, pongFrame, pongOf, textEcho, textFrame } from "./wire.js";

/** Ten numbered pings and their pongs, in order. */
function tenPings(): { pings: Buffer[]; pongs: ReturnType<typeof pongOf>[] } {
  const payloads = Array.from({ length: 10 }, (_, i) => `ping number ${i}`);
  return { pings: payloads.map((payload) => pingFrame(payload)), pongs: payloads.map((payload) => pongOf(payload)) };
}

function cases(): ConformanceCase[] {
  const text125 = asciiText(125);
  const binary = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
  const binary125 = binaryBytes(125);
  const { pings, pongs } = tenPings();
  const paced = pings.flatMap((ping) => [write(ping), { kind: "pause" as const, ms: 10 }]);
  return [
    echoCase("2.1", "answers a ping without payload with a pong without payload", pingFrame(), [pongOf()]),
    echoCase("2.2", "answers a ping with a short text payload with a pong carrying it", pingFrame("Hello, world!"), [pongOf("Hello, world!")]),
    echoCase("2.3", "answers a ping with 125 bytes of text with a pong carrying them", pingFrame(text125), [pongOf(text125)]),
    echoCase("2.4", "answers a ping with a binary payload (0x00 and 0xff included) with the same bytes", pingFrame(binary), [pongOf(binary)]),
    echoCase("2.5", "answers a ping with 125 binary bytes with a pong carrying them", pingFrame(binary125), [pongOf(binary125)]),
    failCase("2.6", "closes with 1002 on a ping of 126 bytes, sending no pong", 1002, pingFrame(asciiText(126))),
    echoCase("2.7", "answers a ping of 125 bytes written one byte at a time", [write(pingFrame(binary125), 1)], [pongOf(binary125)]),
    echoCase("2.8", "ignores an unsolicited pong without payload and echoes the next message", Buffer.concat([pongFrame(), textFrame("after pong")]), [textEcho("after pong")]),
    echoCase("2.9", "ignores an unsolicited pong with payload and echoes the next message", Buffer.concat([pongFrame("unsolicited"), textFrame("after pong")]), [textEcho("after pong")]),
    echoCase("2.10", "answers only the ping when a pong comes before it", Buffer.concat([pongFrame("unsolicited"), pingFrame("solicited")]), [pongOf("solicited")]),
    echoCase("2.11", "answers 10 pings in one write with 10 pongs in order", Buffer.concat(pings), pongs),
    echoCase("2.12", "answers 10 pings sent 10 ms apart with 10 pongs in order", paced, pongs),
  ];
}

/** Section 2: ping and pong. */
export const PING_PONG: ConformanceSection = { title: "2 ping/pong", cases: cases() };
