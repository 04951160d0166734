// The `fiberws` command with the echo and the counter registered: what the shutdown tests run and signal.
import { cliMain } from "@fiberws/server";
import { addCounter } from "./counter.js";
import { addEcho } from "./echo.js";

await cliMain({
  setup: (server) => {
    addEcho(server);
    addCounter(server);
  },
});
