import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleServer, type RunningExampleServer } from "./echo-program.js";
import { answerHandshake, HANDSHAKE_CASES } from "./handshake-cases.js";
import { judgeCase } from "./judge.js";
import { runCase } from "./runner.js";
import { CONFORMANCE_SECTIONS } from "./sections.js";

let server: RunningExampleServer;
beforeAll(async () => {
  server = await startExampleServer();
});
afterAll(() => server.program.stop());

describe("the example server's /echo/ against the conformance cases", () => {
  for (const section of CONFORMANCE_SECTIONS) {
    describe(section.title, () => {
      for (const testCase of section.cases) {
        it(`${testCase.id} ${testCase.title}`, async () => {
          expect(judgeCase(testCase, await runCase(server.port, testCase))).toEqual([]);
        });
      }
    });
  }

  describe("opening handshake", () => {
    for (const testCase of HANDSHAKE_CASES) {
      it(`${testCase.id} ${testCase.title}`, async () => {
        expect(await answerHandshake(server.port, testCase)).toEqual({ status: testCase.status, headers: testCase.headers });
      });
    }
  });
});
