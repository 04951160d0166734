import { describe, expect, it } from "vitest";
import { parseRequestTarget } from "./web.js";

describe("parseRequestTarget", () => {
  it("decodes the path and keeps the query apart", () => {
    const target = parseRequestTarget("/ws/a%20b?room=x&n=2");
    expect(target.ok && target.path).toBe("/ws/a b");
    expect(target.ok && target.query.get("room")).toBe("x");
  });

  it("resolves dot segments, also percent-encoded ones, before routing", () => {
    const target = parseRequestTarget("/ws/%2e%2e/admin");
    expect(target.ok && target.path).toBe("/admin");
  });

  it("keeps a target starting with // as a path rather than a host", () => {
    const target = parseRequestTarget("//evil.example/x");
    expect(target.ok && target.path).toBe("//evil.example/x");
  });

  it("reads the path of an absolute-form target", () => {
    const target = parseRequestTarget("http://127.0.0.1:4100/ws/?a=1");
    expect(target.ok && target.path).toBe("/ws/");
  });

  it("refuses a malformed percent-encoding", () => {
    expect(parseRequestTarget("/%E0%A4%A").ok).toBe(false);
  });

  it("refuses a path that decodes to a NUL byte", () => {
    expect(parseRequestTarget("/a%00b").ok).toBe(false);
  });
});
