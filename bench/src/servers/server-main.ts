// Program: run one baseline echo server (`ws` or `raw`) on 127.0.0.1 until SIGTERM.
import { main, suspend } from "effection";
import { useRawEchoServer } from "./raw-echo.js";
import { useWsEchoServer, wsHasBufferUtil } from "./ws-echo.js";

await main(function* (args) {
  const [kind, portText] = args;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0) throw new Error(`usage: server-main <ws|raw> <port>, got ${args.join(" ")}`);
  if (kind === "ws") {
    if (!wsHasBufferUtil()) console.error("warning: ws runs without bufferutil");
    yield* useWsEchoServer(port, "127.0.0.1");
  } else if (kind === "raw") {
    yield* useRawEchoServer(port, "127.0.0.1");
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  yield* suspend();
});
