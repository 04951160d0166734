// Preloaded into every server process (`--expose-gc --import`): answers the benchmark's questions over IPC.
import { memoryReport, MEMORY_REQUEST, type MemoryReply } from "./memory-messages.js";
import { READ_TO_WRITE_START, READ_TO_WRITE_STOP, startReadToWrite } from "./read-to-write.js";

/**
 * Install the probe. When the parent sends MEMORY_REQUEST, it collects garbage (if `gc` is
 * exposed) and replies with this process's RSS and V8 heap. READ_TO_WRITE_START starts timing
 * socket reads to writes, READ_TO_WRITE_STOP stops it and replies with the median. The probe
 * does not keep the process alive.
 * @returns true if installed (the process has an IPC channel).
 */
export function installServerProbe(): boolean {
  const send = process.send?.bind(process);
  if (send === undefined) return false;
  let stopReadToWrite: ReturnType<typeof startReadToWrite> | undefined;
  process.on("message", (message: unknown) => {
    if (message === MEMORY_REQUEST) {
      const reply: MemoryReply = memoryReport();
      send(reply);
    } else if (message === READ_TO_WRITE_START) {
      stopReadToWrite ??= startReadToWrite();
    } else if (message === READ_TO_WRITE_STOP) {
      const stop = stopReadToWrite ?? startReadToWrite();
      stopReadToWrite = undefined;
      send(stop());
    }
  });
  process.channel?.unref();
  return true;
}

installServerProbe();
