import { describe, expect, it } from "vitest";
import { isHiddenSegment, parseRequestPath } from "./request-path.js";
import { TRAVERSAL_CASES } from "./traversal-cases.js";

describe("parseRequestPath", () => {
  it("splits a path into decoded segments and keeps the raw path and query", () => {
    expect(parseRequestPath("/docs/a%20b.html?v=2&x=%2F")).toEqual({
      ok: true,
      path: {
        segments: ["docs", "a b.html"],
        directory: false,
        pathname: "/docs/a%20b.html",
        search: "?v=2&x=%2F",
      },
    });
  });

  it("marks a path ending with a slash as a directory", () => {
    expect(parseRequestPath("/")).toMatchObject({ path: { segments: [], directory: true } });
    expect(parseRequestPath("/sub/")).toMatchObject({
      path: { segments: ["sub"], directory: true },
    });
  });

  it("allows .well-known and refuses other dot segments with 404", () => {
    expect(parseRequestPath("/.well-known/x").ok).toBe(true);
    expect(parseRequestPath("/a/.git/config")).toMatchObject({ ok: false, status: 404 });
    expect(parseRequestPath("/%2Ehtaccess")).toMatchObject({ ok: false, status: 404 });
  });

  it("answers 400, not 404, when a hostile segment follows a hidden one", () => {
    expect(parseRequestPath("/.git/%2e%2e/x")).toMatchObject({ ok: false, status: 400 });
  });

  const hostile = TRAVERSAL_CASES.filter((c) => c.status === 400);
  it.each(hostile)("refuses $path ($attack) with 400", ({ path }) => {
    expect(parseRequestPath(path)).toMatchObject({ ok: false, status: 400 });
  });
});

describe("isHiddenSegment", () => {
  it("treats names starting with a dot as hidden, except .well-known", () => {
    expect(isHiddenSegment(".env")).toBe(true);
    expect(isHiddenSegment("..")).toBe(true);
    expect(isHiddenSegment(".well-known")).toBe(false);
    expect(isHiddenSegment("a.txt")).toBe(false);
  });
});
