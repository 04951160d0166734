import { describe, expect, it } from "vitest";
import { parseListenUrl } from "./listen.js";

describe("parseListenUrl", () => {
  it("reads the host and port of an http URL", () => {
    expect(parseListenUrl("http://127.0.0.1:4100")).toEqual({ host: "127.0.0.1", port: 4100 });
    expect(parseListenUrl("http://localhost:0")).toEqual({ host: "localhost", port: 0 });
  });

  it("takes port 80 when none is written and strips IPv6 brackets", () => {
    expect(parseListenUrl("http://example.test")).toEqual({ host: "example.test", port: 80 });
    expect(parseListenUrl("http://[::1]:4100")).toEqual({ host: "::1", port: 4100 });
  });

  it("refuses https, paths, queries and text that is not a URL", () => {
    expect(() => parseListenUrl("https://127.0.0.1:443")).toThrow(/only http/);
    expect(() => parseListenUrl("http://127.0.0.1:4100/ws")).toThrow(/no path/);
    expect(() => parseListenUrl("http://127.0.0.1:4100?x=1")).toThrow(/no path or query/);
    expect(() => parseListenUrl("4100")).toThrow(/not a URL/);
  });
});
