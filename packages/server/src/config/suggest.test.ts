import { describe, expect, it } from "vitest";
import { suggestKey } from "./suggest.js";

const LIMITS = ["maxFrame", "maxMessage", "connections", "header", "body", "fibers"];

describe("suggestKey", () => {
  it.each([
    ["maxframe", "maxFrame"],
    ["maxFrme", "maxFrame"],
    ["maxMesage", "maxMessage"],
    ["conections", "connections"],
    ["headers", "header"],
    ["fiber", "fibers"],
  ])("suggests the known key for the typo %s", (typo, key) => {
    expect(suggestKey(typo, LIMITS)).toBe(key);
  });

  it("suggests nothing when no known key is close", () => {
    expect(suggestKey("colour", LIMITS)).toBeUndefined();
    expect(suggestKey("x", ["index"])).toBeUndefined();
  });
});
