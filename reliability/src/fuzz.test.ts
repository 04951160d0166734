import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { setLogDestination } from "@fiberws/fiber";
import { generateFuzzCase, type FuzzCase, type FuzzKind, type FuzzLimits } from "./fuzz-cases.js";
import { judgeFuzzCase } from "./fuzz-judge.js";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { RawClient } from "./raw-client.js";
import { runSeed } from "./random.js";

const LIMITS: FuzzLimits = { maxFrame: 4096, maxMessage: 16384 };
const CASES = Number(process.env["FUZZ_CASES"] ?? 1000);
const SEED = runSeed();
const PARALLEL = 8;

let server: LiveServer;
const logged: string[] = [];
beforeAll(async () => {
  setLogDestination((line) => logged.push(line));
  server = await startLiveServer({ limits: LIMITS, timeouts: { close: 1000 } });
});
afterAll(async () => {
  await server.stop();
  setLogDestination("stdout");
});

/** Send one case after the handshake (with the request, or in pieces after the 101), half-close, judge. */
async function runCase(fuzzCase: FuzzCase): Promise<string[]> {
  const early = fuzzCase.index % 2 === 0;
  const client = await RawClient.upgrade(server.port, "/echo/", early ? fuzzCase.bytes : undefined);
  try {
    if (!early) {
      const step = Math.max(1, Math.ceil(fuzzCase.bytes.length / (1 + (fuzzCase.index % 5))));
      for (let at = 0; at < fuzzCase.bytes.length; at += step) client.write(fuzzCase.bytes.subarray(at, at + step));
    }
    if (fuzzCase.close !== undefined && fuzzCase.expect.outcome === "echo") {
      await client.received(fuzzCase.expect.messages.length + fuzzCase.expect.pings.length, 3000);
      client.write(fuzzCase.close);
    }
    client.end();
    return judgeFuzzCase(fuzzCase, await client.closed(3000));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    client.destroy();
  }
}

/** A well-behaved client echoing numbered messages until `run.stopped`; returns how many round trips it made. */
async function politeClient(run: { stopped: boolean }): Promise<number> {
  const client = new WsClient(server.socketUrl("/echo/"));
  await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
  let count = 0;
  try {
    while (!run.stopped) {
      const text = `polite ${count}`;
      const answer = new Promise<string>((resolve) => {
        client.once("message", (data: Buffer) => resolve(data.toString()));
        client.once("close", () => resolve("(closed)"));
      });
      client.send(text);
      expect(await answer).toBe(text);
      client.removeAllListeners("close");
      count++;
    }
  } finally {
    client.close(1000);
  }
  return count;
}

describe("protocol fuzzing against the live server", () => {
  it(`answers ${CASES} generated frame sequences correctly and keeps serving a well-behaved client`, async () => {
    console.log(`fuzz: seed ${SEED}, ${CASES} cases (replay with FUZZ_SEED=${SEED} FUZZ_CASES=${CASES})`);
    const run = { stopped: false };
    const polite = politeClient(run);
    const failures: string[] = [];
    const kinds: Partial<Record<FuzzKind, number>> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CASES) {
        const fuzzCase = generateFuzzCase(SEED, next++, LIMITS);
        kinds[fuzzCase.kind] = (kinds[fuzzCase.kind] ?? 0) + 1;
        const problems = await runCase(fuzzCase);
        if (problems.length > 0) {
          failures.push(`case ${fuzzCase.index} (${fuzzCase.kind}: ${fuzzCase.description}): ${problems.join("; ")}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    run.stopped = true;
    const roundTrips = await polite;
    const failed = logged.filter((line) => / failed: /.test(line)).length;
    console.log(`fuzz: ${JSON.stringify(kinds)}; the polite client made ${roundTrips} round trips meanwhile; ${failed} echo actions ended with an error (a send on a connection already closing)`);
    expect(failures.slice(0, 10), `seed ${SEED}: ${failures.length} failing cases`).toEqual([]);
    expect(roundTrips).toBeGreaterThan(0);
    // Still serving: a new connection echoes.
    const after = await RawClient.upgrade(server.port, "/echo/");
    after.sendFrame(1, "still here");
    expect(await after.nextMessage()).toEqual({ kind: "text", data: "still here" });
    after.destroy();
  }, 600_000);

  it("regenerates the same case from the same seed and index", () => {
    const a = generateFuzzCase(42, 7, LIMITS);
    const b = generateFuzzCase(42, 7, LIMITS);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(generateFuzzCase(43, 7, LIMITS).bytes.equals(a.bytes)).toBe(false);
  });
});
