import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRAVERSAL_CASES, TRAVERSAL_SECRET, writeTraversalFixture, type TraversalFixture } from "@fiberws/server";
import { FIBERWS_BIN, startProgram, type Program } from "./programs.js";
import { RawClient } from "./raw-client.js";

let root: string;
let fixture: TraversalFixture;
let program: Program;
let port: number;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fiberws-traversal-"));
  fixture = writeTraversalFixture(root);
  const config = join(root, "web.json5");
  writeFileSync(
    config,
    `{ web: { listen: 'http://127.0.0.1:0', documents: ${JSON.stringify(fixture.documents)},
       routes: [ { match: '/', handler: 'file' } ], log: { level: 'info', path: 'stdout' } } }`,
  );
  program = startProgram(FIBERWS_BIN, ["--config", config]);
  const [, url = ""] = await program.waitFor(/started on (http:\/\/\S+)/);
  port = Number(new URL(url).port);
});
afterAll(async () => {
  await program.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Send `target` verbatim on a request line and read the whole answer. */
async function get(target: string): Promise<{ status: number; text: string }> {
  const client = await RawClient.connect(port);
  const chunks: Buffer[] = [];
  client.socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  try {
    client.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const { status } = await client.response();
    await client.closed();
    return { status, text: Buffer.concat(chunks).toString("latin1") };
  } finally {
    client.destroy();
  }
}

describe("the traversal table against the CLI-started server (fiberws --config)", () => {
  it("serves the fixture's public files", async () => {
    for (const [path, text] of Object.entries(fixture.publicFiles)) {
      const answer = await get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.text.endsWith(text), path).toBe(true);
    }
  });

  it.each(TRAVERSAL_CASES.map((c) => ({ ...c })))("refuses $attack ($path) with a 4xx and never the secret", async ({ path }) => {
    const answer = await get(path);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.text).not.toContain(TRAVERSAL_SECRET);
  });
});
