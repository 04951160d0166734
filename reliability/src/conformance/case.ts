// What a conformance case is: the bytes a client sends, step by step, and what the server must answer.
/** A message the server must send before its close: an echo or a pong. */
export type ExpectedMessage = { kind: "text"; data: string } | { kind: "binary"; data: Buffer } | { kind: "pong"; data: Buffer };

/** One thing the client does, in order. */
export type Step =
  /** Write bytes; with `chunkSize`, in writes of that many bytes, each flushed before the next. */
  | { kind: "write"; bytes: Buffer; chunkSize?: number }
  /** Wait, sending nothing. */
  | { kind: "pause"; ms: number }
  /** Fail fast: the server's close must arrive within `ms`, before the next step is taken. */
  | { kind: "expectClose"; ms: number }
  /** The server must still be open (no close frame, no TCP close) after `ms`. */
  | { kind: "expectOpen"; ms: number };

/** What the server must do, judged as strictly as a conformance suite's "OK". */
export interface Expectation {
  /** Exactly these messages and pongs, in this order, before the server's close frame. */
  messages: ExpectedMessage[];
  /** The codes the server's close frame may carry (`null`: a close frame without a code). */
  closeCodes: readonly (number | null)[];
  /**
   * Who starts the close: "after-messages" — once the messages are in, the client closes with
   * 1000; "in-steps" — the steps send the client's close; "server" — the server closes first
   * and the client answers its close with the same code.
   */
  closing: "after-messages" | "in-steps" | "server";
}

/** One case: an id in its section ("6.4.1"), the behaviour it checks, the steps and the expectation. */
export interface ConformanceCase {
  /** Section and number, e.g. "1.1.3". */
  id: string;
  /** The expected behaviour, as a sentence. */
  title: string;
  steps: Step[];
  expect: Expectation;
  /** The most any wait of the case may take, in ms (default 5000). */
  timeout?: number;
}

/** A titled group of cases. */
export interface ConformanceSection {
  /** The section's number and subject, e.g. "1 framing". */
  title: string;
  cases: ConformanceCase[];
}

/**
 * Write `bytes` in one write, or in writes of `chunkSize` bytes.
 * @param bytes the frames.
 * @param chunkSize bytes per write (1 = one byte at a time).
 * @returns the step.
 */
export function write(bytes: Buffer, chunkSize?: number): Step {
  return chunkSize === undefined ? { kind: "write", bytes } : { kind: "write", bytes, chunkSize };
}

/**
 * A case that must be answered with `messages`, after which the client closes with 1000 and the
 * server must echo 1000 and close the TCP connection.
 * @param id the case's number.
 * @param title the behaviour.
 * @param steps what the client sends (a single buffer means one write).
 * @param messages the echoes and pongs, in order.
 * @returns the case.
 */
export function echoCase(id: string, title: string, steps: Step[] | Buffer, messages: ExpectedMessage[]): ConformanceCase {
  return { id, title, steps: asSteps(steps), expect: { messages, closeCodes: [1000], closing: "after-messages" } };
}

/**
 * A case the server must fail: exactly `messages` first, then its close frame with `code`, and
 * nothing after; the client answers that close with the same code.
 * @param id the case's number.
 * @param title the behaviour.
 * @param code the close code, e.g. 1002.
 * @param steps what the client sends.
 * @param messages what must come back before the close.
 * @returns the case.
 */
export function failCase(id: string, title: string, code: number, steps: Step[] | Buffer, messages: ExpectedMessage[] = []): ConformanceCase {
  return { id, title, steps: asSteps(steps), expect: { messages, closeCodes: [code], closing: "server" } };
}

/**
 * A case whose steps send the client's close: the server must send exactly `messages`, then a
 * close frame with one of `codes`, then close the TCP connection.
 * @param id the case's number.
 * @param title the behaviour.
 * @param codes the codes the server's close may carry (`null`: no code).
 * @param steps what the client sends, its close included.
 * @param messages what must come back before the close.
 * @returns the case.
 */
export function clientCloseCase(
  id: string,
  title: string,
  codes: readonly (number | null)[],
  steps: Step[] | Buffer,
  messages: ExpectedMessage[] = [],
): ConformanceCase {
  return { id, title, steps: asSteps(steps), expect: { messages, closeCodes: codes, closing: "in-steps" } };
}

function asSteps(steps: Step[] | Buffer): Step[] {
  return Buffer.isBuffer(steps) ? [write(steps)] : steps;
}
