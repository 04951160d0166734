import { describe, expect, it } from "vitest";
import { errorLine } from "./server-process.js";

describe("errorLine", () => {
  it("picks the line naming the error out of a stack trace", () => {
    const stderr = "file:///x.js:2\nimport { A } from 'b';\n\nSyntaxError: no export named 'A'\n    at ModuleJob\n\nNode.js v20\n";
    expect(errorLine(stderr)).toBe("SyntaxError: no export named 'A'");
  });

  it("falls back to the last line, or says there was no output", () => {
    expect(errorLine("starting\nport taken\n")).toBe("port taken");
    expect(errorLine("")).toBe("no output");
  });
});
