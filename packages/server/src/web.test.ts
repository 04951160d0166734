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

  it("refuses an encoded slash, which would make segments (even '..') after dot segments were resolved", () => {
    expect(parseRequestTarget("/ws/..%2F..%2Fetc%2Fpasswd")).toEqual({ ok: false, reason: "the request path has an encoded slash (%2F)" });
    expect(parseRequestTarget("/ws/a%2fb").ok).toBe(false);
    expect(parseRequestTarget("/ws/a?next=%2Fb")).toMatchObject({ ok: true, path: "/ws/a" });
  });
});

describe("parseRequestTarget on plain targets", () => {
  /** What a URL parser makes of an origin-form target: the reference for the plain-target path. */
  function throughUrl(target: string): { path: string; query: string } {
    const url = new URL(`http://localhost${target}`);
    return { path: decodeURIComponent(url.pathname), query: new URLSearchParams(url.search).toString() };
  }

  const targets = [
    "/", "/echo/", "/ws/chat", "//double//slashes/", "/a/b.c/d..e/...", "/.well-known/x", "/x/.hidden",
    "/a?b=1&c=2", "/a?", "/a?x=y?z", "/a?q=a+b&r=~!$'()*,;:@/", "/a/./b", "/a/../b", "/a/..", "/a/.", "/a/.?x=1",
    "/a/..?x=1", "/@user:pass/-_.~", "/a?%20", "/a%2e%2e/b",
  ];

  it.each(targets)("reads %s as a URL parser does", (target) => {
    const parsed = parseRequestTarget(target);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect({ path: parsed.path, query: parsed.query.toString() }).toEqual(throughUrl(target));
  });
});
