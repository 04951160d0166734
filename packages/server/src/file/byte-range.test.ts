import { describe, expect, it } from "vitest";
import { chooseRange } from "./byte-range.js";

const lastModified = "Wed, 01 Jan 2025 00:00:00 GMT";

describe("chooseRange", () => {
  it("sends the whole file without a Range header", () => {
    expect(chooseRange({}, 100, lastModified)).toEqual({ kind: "full" });
  });

  it("picks a single range with inclusive ends, clamped to the size", () => {
    const choose = (range: string) => chooseRange({ range }, 100, lastModified);
    expect(choose("bytes=10-19")).toEqual({ kind: "partial", start: 10, end: 19 });
    expect(choose("bytes=90-200")).toEqual({ kind: "partial", start: 90, end: 99 });
    expect(choose("bytes=-10")).toEqual({ kind: "partial", start: 90, end: 99 });
  });

  it("reports a range past the end as unsatisfiable", () => {
    const choice = chooseRange({ range: "bytes=100-" }, 100, lastModified);
    expect(choice).toEqual({ kind: "unsatisfiable" });
  });

  it("sends the whole file for disjoint ranges, a malformed header or another unit", () => {
    expect(chooseRange({ range: "bytes=0-1,50-60" }, 100, lastModified)).toEqual({ kind: "full" });
    expect(chooseRange({ range: "bytes=abc" }, 100, lastModified)).toEqual({ kind: "full" });
    expect(chooseRange({ range: "items=0-1" }, 100, lastModified)).toEqual({ kind: "full" });
  });

  it("honours If-Range only when it equals Last-Modified", () => {
    const range = "bytes=0-0";
    const choose = (ifRange: string) =>
      chooseRange({ range, "if-range": ifRange }, 100, lastModified);
    expect(choose(lastModified).kind).toBe("partial");
    expect(choose('W/"a-b"').kind).toBe("full");
    expect(choose("Thu, 02 Jan 2025 00:00:00 GMT").kind).toBe("full");
  });
});
