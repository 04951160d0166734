import { describe, expect, it } from "vitest";
import * as core from "./mod.js";

describe("constants", () => {
  it("keeps the seed's event numbering", () => {
    expect([core.WS_EVENT_OPEN, core.WS_EVENT_MESSAGE, core.WS_EVENT_PARTIAL_MESSAGE, core.WS_EVENT_ERROR, core.WS_EVENT_CLOSE]).toEqual([0, 1, 2, 3, 4]);
  });
  it("uses the RFC 6455 opcodes", () => {
    expect([core.WS_MSG_CONT, core.WS_MSG_TEXT, core.WS_MSG_BINARY, core.WS_MSG_CLOSE, core.WS_MSG_PING, core.WS_MSG_PONG]).toEqual([0, 1, 2, 8, 9, 10]);
  });
});
