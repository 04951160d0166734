// The example client: sends the lines typed on stdin, prints the replies; Ctrl-C closes with 1000.
import type { Readable } from "node:stream";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import {
  action,
  createQueue,
  race,
  resource,
  run,
  sleep,
  spawn,
  type Operation,
  type Subscription,
} from "effection";
import {
  messages,
  useWebSocket,
  webSocketGetProtocol,
  webSocketSendString,
  type WebSocket,
} from "@fiberws/fiber";
import { WS_MSG_TEXT } from "@fiberws/core";
import { parseTime } from "@fiberws/server";

const USAGE = `usage: node examples/dist/client.js [URL] [--protocol NAME]... [--timeout TIME]

  URL              the WebSocket to talk to (default ws://127.0.0.1:4100/ws/)
  --protocol NAME  offer a subprotocol, for example --protocol chat for /chat/
  --timeout TIME   how long to wait for the server to be there (default 5secs; never: keep trying)

Each line typed is sent as a text message; each reply is printed on its own line.
Ctrl-C (or the end of input) closes the connection with 1000 and exits.`;

/** How long to wait between attempts while nothing listens at the URL, in ms. */
const RETRY_PERIOD = 250;

/** How long to wait for the last replies once the input has ended, in ms. */
const REPLY_GRACE = 1000;

/** What the command line asked for. */
interface ClientOptions {
  url: string;
  protocols: string[];
  /** Give up after this many ms when no server is there; 0 = never. */
  timeout: number;
}

/** A failure the user can act on: printed as it is, without a stack. */
class ClientError extends Error {}

/** Read the command line; throws a {@link ClientError} with the usage when it is wrong. */
function parseClientArgs(argv: string[]): ClientOptions {
  try {
    const { values, positionals } = parseArgs({
      // `pnpm client -- URL` passes the `--` along.
      args: argv[0] === "--" ? argv.slice(1) : argv,
      allowPositionals: true,
      options: {
        protocol: { type: "string", multiple: true },
        timeout: { type: "string", default: "5secs" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) throw new ClientError(USAGE);
    if (positionals.length > 1) throw new Error("give one URL");
    return {
      url: positionals[0] ?? "ws://127.0.0.1:4100/ws/",
      protocols: values.protocol ?? [],
      timeout: parseTime(values.timeout),
    };
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw new ClientError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

/** Whether a connect attempt failed because nothing listens there (yet). */
function isRefused(error: unknown): boolean {
  return error instanceof Error && error.cause instanceof Error && "code" in error.cause && error.cause.code === "ECONNREFUSED";
}

/**
 * Open the connection in the caller's scope, trying again while nothing listens at the URL
 * (the server may be starting) until the timeout; then give up with a message that says so.
 */
function* connect(options: ClientOptions): Operation<WebSocket> {
  const deadline = options.timeout > 0 ? Date.now() + options.timeout : Infinity;
  for (;;) {
    // 0 is the client's "never give up" too.
    const left = deadline === Infinity ? 0 : Math.max(1, deadline - Date.now());
    try {
      return yield* useWebSocket(options.url, { protocols: options.protocols, connectTimeout: left });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (isRefused(error) && Date.now() + RETRY_PERIOD < deadline) {
        yield* sleep(RETRY_PERIOD);
        continue;
      }
      if (isRefused(error) || Date.now() >= deadline) {
        throw new ClientError(
          `no server answered within ${options.timeout} ms: ${reason}\n` +
            "Is the example server running? Start it with: pnpm start (from the repository root)",
        );
      }
      throw new ClientError(`could not connect: ${reason}`);
    }
  }
}

/** The lines of `input` as a subscription that ends with the input; nothing is lost meanwhile. */
function useLines(input: Readable): Operation<Subscription<string, void>> {
  return resource(function* (provide) {
    const lines = createQueue<string, void>();
    const reader = createInterface({ input, crlfDelay: Infinity });
    reader.on("line", (line) => lines.add(line));
    reader.on("close", () => lines.close());
    try {
      yield* provide(lines);
    } finally {
      reader.close();
    }
  });
}

/** Wait for Ctrl-C (SIGINT) or SIGTERM; returns the signal's name. */
function interrupted(): Operation<string> {
  return action<string>((resolve) => {
    process.on("SIGINT", resolve);
    process.on("SIGTERM", resolve);
    return () => {
      process.off("SIGINT", resolve);
      process.off("SIGTERM", resolve);
    };
  });
}

/** Print every reply until the server closes; returns how it closed, in words. */
function* printReplies(ws: WebSocket): Operation<string> {
  const replies = yield* messages(ws);
  for (let reply = yield* replies.next(); ; reply = yield* replies.next()) {
    if (reply.done) {
      const { code, reason } = reply.value;
      return `the server closed the connection: ${code}${reason ? ` ${reason}` : ""}`;
    }
    const { type, data, length } = reply.value;
    process.stdout.write(type === WS_MSG_TEXT ? `${String(data)}\n` : `<binary message, ${length} bytes>\n`);
  }
}

/** Send each line of the input as a text message; after its end, wait a moment for replies. */
function* sendLines(ws: WebSocket, input: Readable): Operation<string> {
  const lines = yield* useLines(input);
  for (let line = yield* lines.next(); !line.done; line = yield* lines.next()) {
    yield* webSocketSendString(ws, line.value);
  }
  yield* sleep(REPLY_GRACE);
  return "end of input: closed with 1000";
}

/** Connect, then talk until the input ends or the server leaves. The connection closes with 1000 when this returns or is halted. */
function* talk(options: ClientOptions, input: Readable): Operation<string> {
  const ws = yield* connect(options);
  const protocol = webSocketGetProtocol(ws);
  process.stderr.write(
    `Connected to ${options.url}${protocol ? ` (subprotocol ${protocol})` : ""}. ` +
      "Type a line and press Enter; Ctrl-C to leave.\n",
  );
  const replies = yield* spawn(() => printReplies(ws));
  return yield* race([replies, sendLines(ws, input)]);
}

/** Run the client until it is interrupted, the input ends or the server leaves. */
function* client(options: ClientOptions): Operation<void> {
  const ending = yield* race([
    talk(options, process.stdin),
    (function* (): Operation<string> {
      return `${yield* interrupted()}: closed with 1000`;
    })(),
  ]);
  // The race has ended `talk` by now: its scope closed the connection with 1000.
  process.stderr.write(`${ending}\n`);
}

try {
  const options = parseClientArgs(process.argv.slice(2));
  await run(() => client(options));
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof ClientError ? error.message : String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
}
