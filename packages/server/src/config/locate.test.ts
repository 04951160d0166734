import { describe, expect, it } from "vitest";
import { locateKeys } from "./locate.js";

describe("locateKeys", () => {
  it("finds nested keys and list entries by line and column", () => {
    const text = [
      "{",                                   // 1
      "  web: {",                            // 2
      "    limits: { maxFrame: '128K' },",   // 3
      "    routes: [",                       // 4
      "      { match: '/ws/' },",            // 5
      "      { match: '/' },",               // 6
      "    ],",                              // 7
      "  },",                                // 8
      "}",
    ].join("\n");
    const positions = locateKeys(text);
    expect(positions.get("web")).toEqual({ line: 2, column: 3 });
    expect(positions.get("web.limits.maxFrame")).toEqual({ line: 3, column: 15 });
    expect(positions.get("web.routes[0]")).toEqual({ line: 5, column: 7 });
    expect(positions.get("web.routes[1].match")).toEqual({ line: 6, column: 9 });
  });

  it("is not misled by comments, quoted keys and brackets inside strings", () => {
    const text = [
      "// web: { nope: 1 }",
      "{ /* { */ 'web': {",
      '    "odd key": "}]{[,:", index: \'a\\\'b\',',
      "    listen: [ 'http://h:1', /* ] */ 'http://h:2' ], // trailing, comma",
      "} }",
    ].join("\n");
    const positions = locateKeys(text);
    expect(positions.get("web")).toEqual({ line: 2, column: 11 });
    expect(positions.get('web["odd key"]')).toEqual({ line: 3, column: 5 });
    expect(positions.get("web.index")).toEqual({ line: 3, column: 26 });
    expect(positions.get("web.listen[1]")).toEqual({ line: 4, column: 37 });
    expect(positions.has("web.nope")).toBe(false);
  });

  it("keeps the later of two equal keys, as json5 keeps its value", () => {
    const positions = locateKeys("{ a: 1,\n  a: 2 }");
    expect(positions.get("a")).toEqual({ line: 2, column: 3 });
  });
});
