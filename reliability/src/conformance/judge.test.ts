import { describe, expect, it } from "vitest";
import { echoCase, failCase } from "./case.js";
import { judgeCase } from "./judge.js";
import type { CaseOutcome } from "./runner.js";
import { textEcho, textFrame } from "./wire.js";

const echoHello = echoCase("0.1", "echoes hello", textFrame("hello"), [textEcho("hello")]);
const rsvFailure = failCase("0.2", "fails on RSV", 1002, textFrame("x", { rsv: 1 }));

/** An outcome in which the server did exactly what `echoHello` expects. */
function cleanOutcome(changes: Partial<CaseOutcome> = {}): CaseOutcome {
  return {
    messages: [{ kind: "text", data: "hello" }, { kind: "close", code: 1000, reason: "" }],
    malformed: undefined,
    error: undefined,
    stepProblems: [],
    closedTcp: true,
    ...changes,
  };
}

describe("judging a conformance case", () => {
  it("finds nothing wrong when the echo, the close code and the TCP close are as expected", () => {
    expect(judgeCase(echoHello, cleanOutcome())).toEqual([]);
  });

  it("names the first echo that differs and where its bytes differ", () => {
    const outcome = cleanOutcome({ messages: [{ kind: "text", data: "hellO" }, { kind: "close", code: 1000, reason: "" }] });
    expect(judgeCase(echoHello, outcome)).toEqual([
      'message 1: expected text of 5 bytes "hello", got text of 5 bytes "hellO" (first difference at byte 4); the server sent text before its close (expected text)',
    ]);
  });

  it("reports a message the server sent beyond the expected ones, such as an echo after a protocol error", () => {
    const outcome = cleanOutcome({ messages: [{ kind: "text", data: "x" }, { kind: "close", code: 1002, reason: "" }] });
    expect(judgeCase(rsvFailure, outcome)).toEqual([
      'message 1: expected nothing, got text of 1 bytes "x"; the server sent text before its close (expected nothing)',
    ]);
  });

  it("reports a wrong close code with its reason", () => {
    const outcome = cleanOutcome({ messages: [{ kind: "close", code: 1007, reason: "bad text" }] });
    expect(judgeCase(rsvFailure, outcome)).toEqual(['the server closed with 1007 ("bad text"), expected 1002']);
  });

  it("reports a missing close frame and the socket error that came instead", () => {
    const outcome = cleanOutcome({ messages: [], error: "read ECONNRESET", closedTcp: false });
    expect(judgeCase(rsvFailure, outcome)).toEqual(["no close frame from the server (expected 1002)", "the connection failed: read ECONNRESET"]);
  });

  it("reports a TCP connection left open after the close handshake", () => {
    expect(judgeCase(echoHello, cleanOutcome({ closedTcp: false }))).toEqual([
      "the server kept the TCP connection open over 1000 ms after the close handshake",
    ]);
  });

  it("reports malformed frames and missed fail-fast steps as the runner recorded them", () => {
    const outcome = cleanOutcome({ malformed: "malformed frame from the server: reserved bits 0x40 set", stepProblems: ["step 2 (expectClose): late"] });
    expect(judgeCase(echoHello, outcome)).toEqual(["malformed frame from the server: reserved bits 0x40 set", "step 2 (expectClose): late"]);
  });
});
