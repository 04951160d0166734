// Preloaded into every server process (`--expose-gc --import`): answers memory questions over IPC.
import { memoryReport, MEMORY_REQUEST, type MemoryReply } from "./memory-messages.js";

/**
 * Install the probe: when the parent sends MEMORY_REQUEST, collect garbage (if `gc` is exposed)
 * and reply with this process's RSS and V8 heap. It does not keep the process alive.
 * @returns true if installed (the process has an IPC channel).
 */
export function installMemoryProbe(): boolean {
  const send = process.send?.bind(process);
  if (send === undefined) return false;
  process.on("message", (message: unknown) => {
    if (message !== MEMORY_REQUEST) return;
    const reply: MemoryReply = memoryReport();
    send(reply);
  });
  process.channel?.unref();
  return true;
}

installMemoryProbe();
