// Judges what a server sent back for a fuzz case against what the case expects.
import type { EchoMessage, FuzzCase } from "./fuzz-cases.js";
import type { ClosedOutcome } from "./raw-client.js";
import type { ServerMessage } from "./frames.js";

/**
 * Compare a server's answer to a fuzz case with the case's expectation.
 * @param fuzzCase the case that was sent.
 * @param outcome what came back, once the connection closed.
 * @returns what is wrong, or an empty list when the answer is right.
 * @example
 * const problems = judgeFuzzCase(fuzzCase, await client.closed());
 * expect(problems).toEqual([]);
 */
export function judgeFuzzCase(fuzzCase: FuzzCase, outcome: ClosedOutcome): string[] {
  const problems: string[] = [];
  if (outcome.malformed !== undefined) problems.push(outcome.malformed);
  const echoes = outcome.messages.filter(isData);
  const expect = fuzzCase.expect;
  const closeCode = outcome.close?.code;
  switch (expect.outcome) {
    case "echo": {
      if (!sameMessages(echoes, expect.messages)) problems.push(`echoes differ: got ${summary(echoes)}, sent ${summary(expect.messages)}`);
      const pongs = outcome.messages.flatMap((message) => (message.kind === "pong" ? [message.data.toString("hex")] : []));
      const pings = expect.pings.map((ping) => ping.toString("hex"));
      if (pongs.join() !== pings.join()) problems.push(`pongs differ: got ${pongs.length}, sent ${pings.length} pings`);
      if (outcome.close === undefined) problems.push("no close frame came back");
      else if (closeCode !== expect.closeCode) problems.push(`close ${closeCode} came back for close ${expect.closeCode}`);
      break;
    }
    case "fail":
      if (!isPrefix(echoes, expect.before)) problems.push(`echoes are not a prefix of the valid messages: ${summary(echoes)}`);
      if (closeCode !== expect.code) problems.push(`closed with ${closeCode ?? "no close frame"}, expected ${expect.code}`);
      break;
    case "any":
      if (expect.before !== undefined && !isPrefix(echoes, expect.before)) {
        problems.push(`echoes are not a prefix of the valid messages: ${summary(echoes)}`);
      }
      break;
  }
  return problems;
}

function isData(message: ServerMessage): message is EchoMessage {
  return message.kind === "text" || message.kind === "binary";
}

function sameMessage(a: EchoMessage, b: EchoMessage): boolean {
  if (a.kind === "text" && b.kind === "text") return a.data === b.data;
  if (a.kind === "binary" && b.kind === "binary") return a.data.equals(b.data);
  return false;
}

function sameMessages(got: EchoMessage[], sent: EchoMessage[]): boolean {
  return got.length === sent.length && isPrefix(got, sent);
}

function isPrefix(got: EchoMessage[], sent: EchoMessage[]): boolean {
  return got.length <= sent.length && got.every((message, i) => sameMessage(message, sent[i] as EchoMessage));
}

function summary(messages: EchoMessage[]): string {
  return `[${messages.map((message) => `${message.kind}:${Buffer.byteLength(message.data)}`).join(", ")}]`;
}
