import { describe, expect, it } from "vitest";
import { ProtocolError } from "./errors.js";

describe("ProtocolError", () => {
  it("carries the close code and says what was wrong", () => {
    const error = new ProtocolError(1002, "reserved opcode 3");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ProtocolError");
    expect(error.code).toBe(1002);
    expect(error.message).toBe("reserved opcode 3");
  });
});
