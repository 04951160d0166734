// Wire frames, built independently of the code under test: client frames to send, and a strict
// reader that checks every frame a server sends against RFC 6455.

/** Opcodes of RFC 6455, section 5.2. */
export const OPCODE = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** A frame to put on the wire; every field a hostile peer might get wrong is settable. */
export interface FrameSpec {
  /** The opcode, 0-15 (reserved ones included). */
  opcode: number;
  /** The payload bytes actually written (masked when `mask` is set). */
  payload?: Uint8Array;
  /** The FIN bit (default true). */
  fin?: boolean;
  /** The three RSV bits as a number 0-7 (default 0). */
  rsv?: number;
  /** Mask the payload, as a client must (default true). */
  mask?: boolean;
  /** The length to announce instead of the payload's (an oversized or lying header). */
  announcedLength?: bigint;
}

const EMPTY = new Uint8Array(0);

/**
 * Encode one frame as a client sends it: masked with a fixed, non-zero key by default, the
 * length in its shortest form unless `announcedLength` says otherwise.
 * @param spec the frame's fields.
 * @returns the frame's bytes.
 * @throws RangeError if `opcode` or `rsv` is out of range.
 * @example
 * encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from("hi") });
 */
export function encodeClientFrame(spec: FrameSpec): Buffer {
  const { opcode, fin = true, rsv = 0, mask = true } = spec;
  if (opcode < 0 || opcode > 15 || rsv < 0 || rsv > 7) throw new RangeError(`opcode ${opcode} / rsv ${rsv} out of range`);
  const payload = spec.payload ?? EMPTY;
  const length = spec.announcedLength ?? BigInt(payload.length);
  const lengthBytes = length < 126n ? 0 : length < 65536n ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 0) header[1] = maskBit | Number(length);
  else if (lengthBytes === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const keyAt = 2 + lengthBytes;
  MASK_KEY.copy(header, keyAt);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (MASK_KEY[i & 3] as number);
  return Buffer.concat([header, body]);
}

/** The masking key of {@link encodeClientFrame}: fixed, so a failing case replays byte for byte. */
const MASK_KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/**
 * Encode a close frame's payload: the code, then the reason in UTF-8.
 * @param code the close code (any number 0-65535, valid or not).
 * @param reason the reason text, or raw bytes for a deliberately bad one.
 * @returns the payload.
 */
export function closePayload(code: number, reason: string | Uint8Array = ""): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, typeof reason === "string" ? Buffer.from(reason) : reason]);
}

/** A frame as the server sent it, already checked. */
export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A complete data message or control frame the server sent. */
export type ServerMessage =
  | { kind: "text"; data: string }
  | { kind: "binary"; data: Buffer }
  | { kind: "ping" | "pong"; data: Buffer }
  | { kind: "close"; code: number | undefined; reason: string };

/** Thrown by {@link ServerFrameReader.push} when the server sent something RFC 6455 forbids. */
export class MalformedFrameError extends Error {
  override name = "MalformedFrameError";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a server's byte stream into messages and refuses anything malformed: reserved bits or
 * opcodes, a masked frame, a fragmented or oversized control frame, a length not in its
 * shortest form or with the top bit set, a continuation out of place, text or a close reason
 * that is not UTF-8, a close code that may not be sent, and any frame after a close.
 */
export class ServerFrameReader {
  /** Every message and control frame read so far, in order. */
  readonly messages: ServerMessage[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentType = 0;
  private closed = false;

  /** The close the server sent, once it did. */
  get close(): Extract<ServerMessage, { kind: "close" }> | undefined {
    const last = this.messages[this.messages.length - 1];
    return last?.kind === "close" ? last : undefined;
  }

  /** Bytes of a frame that has not fully arrived yet. */
  get pendingBytes(): number {
    return this.buffered.length;
  }

  /**
   * Take more bytes from the server and read every complete frame in them.
   * @param chunk the bytes, in order of arrival.
   * @returns the number of messages added.
   * @throws MalformedFrameError saying what is wrong at the first malformed frame.
   */
  push(chunk: Buffer): number {
    const before = this.messages.length;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (let frame = this.nextFrame(); frame !== undefined; frame = this.nextFrame()) this.accept(frame);
    return this.messages.length - before;
  }

  /** Cut one complete frame from the buffer, checking its header. */
  private nextFrame(): ServerFrame | undefined {
    const data = this.buffered;
    if (data.length < 2) return undefined;
    const first = data[0] as number;
    const second = data[1] as number;
    if (this.closed) fail("a frame after the close frame");
    if ((first & 0x70) !== 0) fail(`reserved bits 0x${(first & 0x70).toString(16)} set`);
    if ((second & 0x80) !== 0) fail("a masked frame from the server");
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (data.length < 4) return undefined;
      length = data.readUInt16BE(2);
      if (length < 126) fail(`16-bit length ${length} not in its shortest form`);
      offset = 4;
    } else if (length === 127) {
      if (data.length < 10) return undefined;
      const long = data.readBigUInt64BE(2);
      if (long >= 2n ** 63n) fail("64-bit length with the top bit set");
      if (long < 65536n) fail(`64-bit length ${long} not in its shortest form`);
      if (long > BigInt(Number.MAX_SAFE_INTEGER)) fail(`64-bit length ${long} beyond any sane message`);
      length = Number(long);
      offset = 10;
    }
    if (opcode >= 0x8 && (!fin || length > 125)) fail(`control frame ${opcode} fragmented or over 125 bytes`);
    if (data.length < offset + length) return undefined;
    const payload = data.subarray(offset, offset + length);
    this.buffered = data.subarray(offset + length);
    return { fin, opcode, payload };
  }

  /** Fold a checked frame into the messages. */
  private accept({ fin, opcode, payload }: ServerFrame): void {
    switch (opcode) {
      case OPCODE.CONT:
        if (this.fragmentType === 0) fail("a continuation frame without a message to continue");
        this.fragments.push(payload);
        if (fin) this.endMessage();
        return;
      case OPCODE.TEXT:
      case OPCODE.BINARY:
        if (this.fragmentType !== 0) fail(`opcode ${opcode} inside a fragmented message`);
        this.fragmentType = opcode;
        this.fragments.push(payload);
        if (fin) this.endMessage();
        return;
      case OPCODE.PING:
        this.messages.push({ kind: "ping", data: Buffer.from(payload) });
        return;
      case OPCODE.PONG:
        this.messages.push({ kind: "pong", data: Buffer.from(payload) });
        return;
      case OPCODE.CLOSE:
        this.messages.push(readClose(payload));
        this.closed = true;
        return;
      default:
        fail(`reserved opcode ${opcode}`);
    }
  }

  private endMessage(): void {
    const data = this.fragments.length === 1 ? Buffer.from(this.fragments[0] as Buffer) : Buffer.concat(this.fragments);
    if (this.fragmentType === OPCODE.TEXT) this.messages.push({ kind: "text", data: decodeUtf8(data, "a text message") });
    else this.messages.push({ kind: "binary", data });
    this.fragments = [];
    this.fragmentType = 0;
  }
}

/** Whether a close code may appear on the wire (RFC 6455 section 7.4 and the IANA registry). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function readClose(payload: Buffer): Extract<ServerMessage, { kind: "close" }> {
  if (payload.length === 0) return { kind: "close", code: undefined, reason: "" };
  if (payload.length === 1) fail("a close payload of 1 byte");
  const code = payload.readUInt16BE(0);
  if (!isSendableCloseCode(code)) fail(`close code ${code} may not be sent`);
  return { kind: "close", code, reason: decodeUtf8(payload.subarray(2), "a close reason") };
}

function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return fail(`${what} that is not valid UTF-8`);
  }
}

function fail(why: string): never {
  throw new MalformedFrameError(`malformed frame from the server: ${why}`);
}
