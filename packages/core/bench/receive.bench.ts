// Receive throughput: parse + unmask (+ UTF-8 validation and decoding for text), ours beside ws's Receiver.
import { afterAll, bench, describe } from "vitest";
import { Receiver } from "ws";
import { Protocol, type ProtocolEvent } from "../src/mod.js";

/** One workload: `count` messages of `size` bytes per op, read from the socket `readSize` bytes at a time. */
interface Workload {
  label: string;
  binary: boolean;
  size: number;
  count: number;
  readSize: number;
}

/** The three parsers compared: ours (text as a string), ws as it stands (text as a Buffer), ws plus decoding. */
type Contender = "ours" | "ws" | "ws+toString";

const sizes = [
  { label: "64 B", size: 64, count: 1024 },
  { label: "1 KiB", size: 1024, count: 64 },
  { label: "64 KiB", size: 64 * 1024, count: 4 },
  { label: "1 MiB", size: 1024 * 1024, count: 1 },
];
const workloads: Workload[] = [false, true].flatMap((binary) =>
  sizes.map(({ label, size, count }) => ({ label: `${binary ? "binary" : "text"} ${label}`, binary, size, count, readSize: 64 * 1024 })),
);

/** Text of exactly `size` UTF-8 bytes, mostly ASCII with some two- and three-byte characters. */
function sampleText(size: number): string {
  const pattern = "The quick brown fox — jumps over the lazy dög. ";
  let text = pattern.repeat(Math.ceil(size / Buffer.byteLength(pattern)) + 1);
  while (Buffer.byteLength(text) > size) text = text.slice(0, -1);
  return text.padEnd(text.length + size - Buffer.byteLength(text), ".");
}

/** The masked client bytes of the workload, a buffer to restore them into, and the reads a socket would hand over. */
function prepare({ binary, size, count, readSize }: Workload) {
  const client = new Protocol({ role: "client", maxFrame: Infinity });
  const text = sampleText(size);
  for (let i = 0; i < count; i++) client.send(binary ? 2 : 1, binary ? Buffer.from(text) : text);
  const template = Buffer.concat(client.takeOutgoing());
  const work = Buffer.allocUnsafe(template.length);
  const reads: Buffer[] = [];
  for (let i = 0; i < work.length; i += readSize) reads.push(work.subarray(i, i + readSize));
  return { template, work, reads };
}

/** Milliseconds per op of each run, by workload and contender (medians resist a busy machine). */
const samples = new Map<string, Map<Contender, number[]>>();

/** Wraps an op so that each run's duration is recorded. */
function timed(workload: Workload, who: Contender, op: () => void): () => void {
  const byContender = samples.get(workload.label) ?? new Map<Contender, number[]>();
  samples.set(workload.label, byContender);
  const durations: number[] = [];
  byContender.set(who, durations);
  return () => {
    const start = performance.now();
    op();
    durations.push(performance.now() - start);
  };
}

for (const workload of workloads) {
  describe(`receive masked ${workload.label} messages`, () => {
    const { template, work, reads } = prepare(workload);
    const ours = new Protocol({ role: "server", maxFrame: Infinity, maxMessage: Infinity });
    const events: ProtocolEvent[] = [];
    const receiver = new Receiver({ isServer: true, maxPayload: 0 });
    let decode = false;
    let wsMessages = 0;
    let decodedLength = 0;
    receiver.on("message", (data) => {
      wsMessages++;
      if (decode) decodedLength += data.toString().length;
    });
    receiver.on("error", (error) => {
      throw error;
    });
    const options = { time: 400, warmupTime: 100 };
    const expectMessages = (who: string, count: number) => {
      if (count !== workload.count) throw new Error(`${who} reported ${count} messages, expected ${workload.count}`);
    };

    bench(
      "ours: Protocol.receive (text as string, binary as Buffer)",
      timed(workload, "ours", () => {
        template.copy(work);
        events.length = 0;
        for (const read of reads) ours.receive(read, events);
        expectMessages("ours", events.filter((event) => event.kind === "message").length);
      }),
      options,
    );

    bench(
      "ws Receiver (Buffer)",
      timed(workload, "ws", () => {
        template.copy(work);
        decode = false;
        wsMessages = 0;
        for (const read of reads) receiver.write(read);
        expectMessages("ws", wsMessages);
      }),
      options,
    );

    bench.skipIf(workload.binary)(
      "ws Receiver + toString (text as string)",
      timed(workload, "ws+toString", () => {
        template.copy(work);
        decode = true;
        wsMessages = 0;
        for (const read of reads) receiver.write(read);
        expectMessages("ws", wsMessages);
      }),
      options,
    );
  });
}

afterAll(() => {
  const median = (values: number[] | undefined) => {
    if (values === undefined || values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const rows = workloads.map((workload) => {
    const byContender = samples.get(workload.label);
    const bytes = prepare(workload).template.length;
    const ms = (who: Contender) => median(byContender?.get(who));
    const mbps = (who: Contender) => ((bytes / ms(who)) * 1e3) / 1e6;
    const msgs = (who: Contender) => Math.round((workload.count / ms(who)) * 1e3);
    return {
      message: workload.label,
      "ours msg/s": msgs("ours").toLocaleString("en"),
      "ours MB/s": mbps("ours").toFixed(0),
      "ws MB/s": mbps("ws").toFixed(0),
      "ws+toString MB/s": workload.binary ? "-" : mbps("ws+toString").toFixed(0),
      "ours/ws": `${(ms("ws") / ms("ours")).toFixed(2)}x`,
      "ours/ws+toString": workload.binary ? "-" : `${(ms("ws+toString") / ms("ours")).toFixed(2)}x`,
    };
  });
  console.log(
    "Median throughput per run (MB = 10^6 bytes of frames); ratios above 1 mean ours is faster.\n" +
      "ws hands text over as an undecoded Buffer; ours decodes it to a string, so ws+toString is the like-for-like baseline for text.",
  );
  console.table(rows);
});
