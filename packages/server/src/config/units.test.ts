import { describe, expect, it } from "vitest";
import { parseCount, parseSize, parseTime } from "./units.js";

const K = 1024;

describe("parseSize", () => {
  it.each([
    [4096, 4096],
    [0, 0],
    ["512", 512],
    ["100B", 100],
    ["2 bytes", 2],
    ["100K", 100 * K],
    ["128KB", 128 * K],
    ["128kb", 128 * K],
    ["1 kilobyte", K],
    ["3 Kilobytes", 3 * K],
    ["1MB", K * K],
    ["1m", K * K],
    ["2 megabytes", 2 * K * K],
    ["2G", 2 * K ** 3],
    ["1gb", K ** 3],
    ["1 Gigabyte", K ** 3],
    ["1.5K", 1536],
    [" 10K ", 10 * K],
    ["unlimited", Infinity],
    ["Infinite", Infinity],
    [Infinity, Infinity],
  ])("reads %j as %d bytes", (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });

  it.each([["big"], ["12Q"], ["K"], [""], ["-1K"], [-5], [1.5], [NaN], [true], [null], [["1K"]], ["1 K B"]])(
    "refuses %j, naming the expected form",
    (value) => {
      expect(() => parseSize(value)).toThrow(RangeError);
      expect(() => parseSize(value)).toThrow(/^expected a size like '128K', got /);
    },
  );

  it("quotes the bad value in the message", () => {
    expect(() => parseSize("big")).toThrow("expected a size like '128K', got 'big'");
  });
});

describe("parseTime", () => {
  it.each([
    [500, 500],
    ["250", 250],
    ["500ms", 500],
    ["2 msecs", 2],
    ["1 millisecond", 1],
    ["1s", 1000],
    ["30secs", 30_000],
    ["30 SECONDS", 30_000],
    ["1 second", 1000],
    ["5mins", 300_000],
    ["1 min", 60_000],
    ["2 minutes", 120_000],
    ["1hr", 3_600_000],
    ["2 hours", 7_200_000],
    ["3hrs", 10_800_000],
    ["1h", 3_600_000],
    ["1day", 86_400_000],
    ["2 days", 172_800_000],
    ["1 week", 604_800_000],
    ["1.5secs", 1500],
    ["never", 0],
    ["None", 0],
    ["unlimited", 0],
    ["forever", 0],
    [0, 0],
    [Infinity, 0],
  ])("reads %j as %d ms", (value, ms) => {
    expect(parseTime(value)).toBe(ms);
  });

  it.each([["soon"], ["5 parsecs"], ["5m"], ["secs"], ["-1secs"], [-1], [2.5], [false], [{}]])(
    "refuses %j, naming the expected form",
    (value) => {
      expect(() => parseTime(value)).toThrow(/^expected a time like '30secs' or 'never', got /);
    },
  );

  it("takes times up to the longest Node's timers allow, and refuses longer ones", () => {
    expect(parseTime("24 days")).toBe(24 * 86_400_000);
    expect(parseTime(2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(() => parseTime("4 weeks")).toThrow("'4 weeks' is longer than the longest timeout, 24 days (2147483647 ms); use 'never' for none");
    expect(() => parseTime(2 ** 31)).toThrow(/^2147483648 is longer than the longest timeout/);
  });
});

describe("parseCount", () => {
  it.each([
    [10_000, 10_000],
    ["10000", 10_000],
    [0, 0],
    ["unlimited", Infinity],
    ["INFINITE", Infinity],
    [Infinity, Infinity],
  ])("reads %j as %d", (value, count) => {
    expect(parseCount(value)).toBe(count);
  });

  it.each([["many"], ["10K"], ["1.5"], [1.5], [-3], [""], [null]])("refuses %j", (value) => {
    expect(() => parseCount(value)).toThrow(/^expected a count like '10000' or 'unlimited', got /);
  });
});
