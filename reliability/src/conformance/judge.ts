// Judges a case's outcome as strictly as a conformance suite's "OK": every deviation, in words.
import type { ServerMessage } from "../frames.js";
import type { ConformanceCase, ExpectedMessage } from "./case.js";
import { TCP_CLOSE_WAIT, type CaseOutcome } from "./runner.js";

/**
 * Compare what the server did with what the case expects.
 * @param testCase the case.
 * @param outcome what {@link runCase} recorded.
 * @returns one sentence per deviation; empty when the case passes.
 * @example
 * expect(judgeCase(testCase, await runCase(port, testCase))).toEqual([]);
 */
export function judgeCase(testCase: ConformanceCase, outcome: CaseOutcome): string[] {
  const problems: string[] = [];
  if (outcome.malformed !== undefined) problems.push(outcome.malformed);
  problems.push(...outcome.stepProblems);
  const close = outcome.messages.find((message) => message.kind === "close");
  const before = outcome.messages.filter((message) => message.kind !== "close");
  const mismatch = firstMismatch(testCase.expect.messages, before);
  if (mismatch !== undefined) problems.push(mismatch);
  const allowed = testCase.expect.closeCodes;
  if (close === undefined) {
    problems.push(`no close frame from the server (expected ${allowed.map(codeName).join(" or ")})`);
    if (outcome.error !== undefined) problems.push(`the connection failed: ${outcome.error}`);
  } else {
    const code = close.code ?? null;
    if (!allowed.includes(code)) {
      const reason = close.reason === "" ? "" : ` ("${close.reason}")`;
      problems.push(`the server closed with ${codeName(code)}${reason}, expected ${allowed.map(codeName).join(" or ")}`);
    }
    if (!outcome.closedTcp) problems.push(`the server kept the TCP connection open over ${TCP_CLOSE_WAIT} ms after the close handshake`);
  }
  return problems;
}

/** Describe the first place where `actual` differs from `expected`, or undefined when they match. */
function firstMismatch(expected: readonly ExpectedMessage[], actual: readonly ServerMessage[]): string | undefined {
  const count = Math.max(expected.length, actual.length);
  for (let index = 0; index < count; index++) {
    const want = expected[index];
    const got = actual[index];
    if (want !== undefined && got !== undefined && sameMessage(want, got)) continue;
    const where = `message ${index + 1}: expected ${describe(want)}, got ${describe(got)}`;
    const detail = want !== undefined && got !== undefined ? difference(want, got) : "";
    return `${where}${detail}; the server sent ${summary(actual)} before its close (expected ${summary(expected)})`;
  }
  return undefined;
}

function sameMessage(want: ExpectedMessage, got: ServerMessage): boolean {
  if (want.kind !== got.kind) return false;
  if (want.kind === "text") return got.kind === "text" && got.data === want.data;
  return (got.kind === "binary" || got.kind === "pong") && got.data.equals(want.data);
}

/** Where two messages of the same kind and length first differ. */
function difference(want: ExpectedMessage, got: ServerMessage): string {
  if (got.kind === "close" || want.kind !== got.kind) return "";
  const a = bytesOf(want);
  const b = Buffer.isBuffer(got.data) ? got.data : Buffer.from(got.data);
  if (a.length !== b.length) return "";
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  return ` (first difference at byte ${at})`;
}

function bytesOf(message: ExpectedMessage): Buffer {
  return message.kind === "text" ? Buffer.from(message.data) : message.data;
}

function describe(message: ServerMessage | undefined): string {
  if (message === undefined) return "nothing";
  if (message.kind === "close") return `a close ${codeName(message.code ?? null)}`;
  if (message.kind === "text") {
    const bytes = Buffer.byteLength(message.data);
    const preview = message.data.length > 24 ? `${message.data.slice(0, 24)}…` : message.data;
    return `text of ${bytes} bytes ${JSON.stringify(preview)}`;
  }
  return `${message.kind} of ${message.data.length} bytes${message.data.length <= 8 ? ` <${message.data.toString("hex")}>` : ""}`;
}

/** "3 text, pong, binary": the kinds in order, runs counted. */
function summary(messages: readonly ServerMessage[]): string {
  if (messages.length === 0) return "nothing";
  const runs: string[] = [];
  let previous = "";
  let run = 0;
  for (const message of [...messages, undefined]) {
    const kind = message?.kind ?? "";
    if (kind === previous) {
      run++;
      continue;
    }
    if (run > 0) runs.push(run === 1 ? previous : `${run} ${previous}`);
    previous = kind;
    run = 1;
  }
  return runs.join(", ");
}

function codeName(code: number | null): string {
  return code === null ? "a close without a code" : String(code);
}
