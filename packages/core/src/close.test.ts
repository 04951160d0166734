import { describe, expect, it } from "vitest";
import { decodeClosePayload, encodeClosePayload, isValidCloseCode } from "./close.js";
import { ProtocolError } from "./errors.js";

describe("close codes", () => {
  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    "accepts %i on the wire",
    (code) => expect(isValidCloseCode(code)).toBe(true),
  );

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])(
    "rejects %i on the wire",
    (code) => expect(isValidCloseCode(code)).toBe(false),
  );
});

describe("encodeClosePayload", () => {
  it("writes the code big-endian followed by the UTF-8 reason", () => {
    expect(encodeClosePayload(1000, "bye")).toEqual(Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]));
    expect(encodeClosePayload(4321, "é")).toEqual(Buffer.from([0x10, 0xe1, 0xc3, 0xa9]));
  });

  it("writes an empty payload when there is no code", () => {
    expect(encodeClosePayload(undefined)).toHaveLength(0);
  });

  it.each([1005, 1006, 1015, 999, 1004, 1016, 2999, 5000, 1000.5])("refuses to send code %s", (code) => {
    expect(() => encodeClosePayload(code)).toThrow(RangeError);
  });

  it("accepts a reason of 123 bytes and refuses 124", () => {
    expect(encodeClosePayload(1000, "x".repeat(123))).toHaveLength(125);
    expect(() => encodeClosePayload(1000, "x".repeat(124))).toThrow(/124 bytes exceeds 123/);
  });

  it("counts the reason in UTF-8 bytes, not characters", () => {
    expect(() => encodeClosePayload(1000, "€".repeat(42))).toThrow(RangeError); // 126 bytes
  });

  it("refuses a reason without a code", () => {
    expect(() => encodeClosePayload(undefined, "why")).toThrow(/needs a close code/);
  });
});

describe("decodeClosePayload", () => {
  it("reads the code and reason", () => {
    expect(decodeClosePayload(Buffer.from([0x0f, 0xa0, 0x68, 0x69]), true)).toEqual({ code: 4000, reason: "hi" });
  });

  it("reports 1005 for an empty payload", () => {
    expect(decodeClosePayload(Buffer.alloc(0), true)).toEqual({ code: 1005, reason: "" });
  });

  const failure = (payload: number[], validate = true) => {
    try {
      decodeClosePayload(Buffer.from(payload), validate);
    } catch (error) {
      return error instanceof ProtocolError ? { code: error.code, message: error.message } : error;
    }
    return undefined;
  };

  it("fails with 1002 for a 1-byte payload", () => {
    expect(failure([0x03])).toEqual({ code: 1002, message: "close frame payload of 1 byte (a close code takes 2)" });
  });

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])("fails with 1002 for code %i", (code) => {
    expect(failure([code >> 8, code & 0xff])).toEqual({ code: 1002, message: `invalid close code ${code} in close frame` });
  });

  it("fails with 1007 for a reason that is not UTF-8", () => {
    expect(failure([0x03, 0xe8, 0xce, 0xba, 0xe1, 0xbd])).toEqual({ code: 1007, message: "invalid UTF-8 in close reason" });
  });

  it("lets an invalid reason through when validation is off", () => {
    expect(failure([0x03, 0xe8, 0xff], false)).toBeUndefined();
  });
});
