// The benchmark's load generator, in its own process: raw TCP WebSocket clients that send
// pre-masked 64-byte text frames and count the 66-byte echo frames that come back.
import net from "node:net";

const PAYLOAD = 64;
const REPLY_BYTES = 2 + PAYLOAD;
// A masked text frame with a zero mask key: the payload goes out as is.
const FRAME = Buffer.concat([Buffer.from([0x81, 0x80 | PAYLOAD, 0, 0, 0, 0]), Buffer.alloc(PAYLOAD, 0x61)]);
const UPGRADE =
  "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

let connections = [];

function open(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(UPGRADE));
    socket.setNoDelay(true);
    let header = Buffer.alloc(0);
    const state = { socket, received: 0, expected: 0, done: undefined };
    const onHeader = (chunk) => {
      header = Buffer.concat([header, chunk]);
      const end = header.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onHeader);
      socket.on("data", (data) => {
        state.received += data.length;
        if (state.done && state.received >= state.expected) {
          const done = state.done;
          state.done = undefined;
          done();
        }
      });
      resolve(state);
    };
    socket.on("data", onHeader);
    socket.on("error", reject);
  });
}

/** Each connection sends `window` frames in one write and waits for their echoes, `rounds` times. */
async function drive(state, window, rounds) {
  const burst = Buffer.concat(Array.from({ length: window }, () => FRAME));
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => {
      state.expected = state.received + window * REPLY_BYTES;
      state.done = resolve;
      state.socket.write(burst);
    });
  }
}

process.on("message", async (command) => {
  if (command.kind === "open") {
    connections = await Promise.all(Array.from({ length: command.count }, () => open(command.port)));
    process.send({ kind: "opened" });
  } else if (command.kind === "run") {
    if (connections.length === 0) throw new Error("run: no open connections");
    const start = performance.now();
    await Promise.all(connections.map((state) => drive(state, command.window, command.rounds)));
    process.send({ kind: "ran", ms: performance.now() - start });
  } else if (command.kind === "close") {
    for (const state of connections) state.socket.destroy();
    connections = [];
    process.send({ kind: "closed" });
  }
});
