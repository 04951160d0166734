import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  getLogLevel,
  rDebug,
  rError,
  rInfo,
  rLogEnabled,
  rTrace,
  setLogDestination,
  setLogLevel,
} from "./log.js";

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  setLogDestination((line) => lines.push(line));
});
afterEach(() => {
  setLogLevel("info");
  setLogDestination("stdout");
});

describe("logging", () => {
  it("writes one printf-formatted line with ISO time, level and source", () => {
    rInfo("ws", "Client %s sent %d bytes %j", "alice", 42, { ok: true });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  ws: Client alice sent 42 bytes \{"ok":true\}\n$/,
    );
  });

  it("keeps debug and trace off by default and logs errors and info", () => {
    expect(getLogLevel()).toBe("info");
    rError("a", "e");
    rInfo("a", "i");
    rDebug("a", "d");
    rTrace("a", "t");
    expect(lines.map((line) => line.split(" ")[1])).toEqual(["ERROR", "INFO"]);
    expect(rLogEnabled("debug")).toBe(false);
  });

  it("lets debug and trace through when the level asks for them", () => {
    setLogLevel("trace");
    rDebug("a", "d");
    rTrace("a", "t");
    expect(lines.map((line) => line.split(" ")[1])).toEqual(["DEBUG", "TRACE"]);
  });

  it("writes only errors at level error", () => {
    setLogLevel("error");
    rInfo("a", "i");
    rError("a", "e");
    expect(lines).toHaveLength(1);
    expect(rLogEnabled("info")).toBe(false);
  });

  it("rejects an unknown level", () => {
    expect(() => setLogLevel("verbose" as "info")).toThrow(RangeError);
  });

  it("appends lines to a file destination", () => {
    const dir = mkdtempSync(join(tmpdir(), "fiberws-log-"));
    try {
      const file = join(dir, "app.log");
      setLogDestination(file);
      rInfo("app", "first");
      rError("app", "second %d", 2);
      setLogDestination("stdout");
      const written = readFileSync(file, "utf8").split("\n");
      expect(written[0]).toMatch(/INFO  app: first$/);
      expect(written[1]).toMatch(/ERROR app: second 2$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
