// Entry point of the `fiberws` command (see command.ts for what it does).
import { cliMain } from "./command.js";

await cliMain();
