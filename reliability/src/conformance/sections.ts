// Every conformance section, in the order of the suite they are modelled on.
import type { ConformanceSection } from "./case.js";
import { CLOSE } from "./close-cases.js";
import { FRAGMENTATION } from "./fragment-cases.js";
import { FRAMING, MISC } from "./framing-cases.js";
import { LIMITS } from "./limit-cases.js";
import { PING_PONG } from "./ping-cases.js";
import { OPCODES, RESERVED_BITS } from "./reserved-cases.js";
import { UTF8 } from "./utf8-cases.js";

/** The frame-level sections; the opening handshake is checked separately. */
export const CONFORMANCE_SECTIONS: readonly ConformanceSection[] = [FRAMING, PING_PONG, RESERVED_BITS, OPCODES, FRAGMENTATION, UTF8, CLOSE, LIMITS, MISC];
