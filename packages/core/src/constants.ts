/**
 * The seed's constants: event, state, message-type and status codes, and default limits.
 * Names and values follow the Embedthis C API so its documentation reads across.
 */

/** The connection is open: fired once, before any message. */
export const WS_EVENT_OPEN = 0;
/** A complete message (or the last fragment, in partial-delivery mode). */
export const WS_EVENT_MESSAGE = 1;
/** A fragment of a message that is not yet complete (partial-delivery mode only). */
export const WS_EVENT_PARTIAL_MESSAGE = 2;
/** A protocol error, timeout or failure: `webSocketGetErrorMessage` says what. */
export const WS_EVENT_ERROR = 3;
/** The connection is closed: fired exactly once, last. */
export const WS_EVENT_CLOSE = 4;

/** Handshake not yet complete. */
export const WS_STATE_CONNECTING = 0;
/** Open: messages flow both ways. */
export const WS_STATE_OPEN = 1;
/** A close frame was sent or received; waiting for the other side's. */
export const WS_STATE_CLOSING = 2;
/** Closed: nothing more is sent or received. */
export const WS_STATE_CLOSED = 3;

/** Continuation frame opcode. */
export const WS_MSG_CONT = 0x0;
/** Text frame opcode (UTF-8 payload). */
export const WS_MSG_TEXT = 0x1;
/** Binary frame opcode. */
export const WS_MSG_BINARY = 0x2;
/** Close frame opcode. */
export const WS_MSG_CLOSE = 0x8;
/** Ping frame opcode. */
export const WS_MSG_PING = 0x9;
/** Pong frame opcode. */
export const WS_MSG_PONG = 0xa;
/** Flag or-ed into a send's type: more of this message follows in later sends. */
export const WS_MSG_MORE = 0x10;

/** 1000: normal closure. */
export const WS_STATUS_OK = 1000;
/** 1001: the endpoint is going away (server shutdown, page navigation, timeout). */
export const WS_STATUS_GOING_AWAY = 1001;
/** 1002: protocol error. */
export const WS_STATUS_PROTOCOL_ERROR = 1002;
/** 1003: a data type the endpoint cannot accept. */
export const WS_STATUS_UNSUPPORTED_TYPE = 1003;
/** 1004: reserved, never sent. */
export const WS_STATUS_RESERVED = 1004;
/** 1005: no status code was present (local only, never on the wire). */
export const WS_STATUS_NO_STATUS = 1005;
/** 1006: closed without a close frame (local only, never on the wire). */
export const WS_STATUS_COMMS_ERROR = 1006;
/** 1007: message data inconsistent with its type (invalid UTF-8 in text). */
export const WS_STATUS_INVALID_UTF8 = 1007;
/** 1008: a policy was violated (for example a send timeout). */
export const WS_STATUS_POLICY_VIOLATION = 1008;
/** 1009: a frame or message is too big to process. */
export const WS_STATUS_MESSAGE_TOO_LARGE = 1009;
/** 1010: the client expected an extension the server did not negotiate. */
export const WS_STATUS_MISSING_EXTENSION = 1010;
/** 1011: an unexpected condition (an exception in the handler, a missed keep-alive). */
export const WS_STATUS_INTERNAL_ERROR = 1011;
/** 1012: the service is restarting. */
export const WS_STATUS_SERVICE_RESTART = 1012;
/** 1013: try again later. */
export const WS_STATUS_TRY_AGAIN = 1013;
/** 1014: bad gateway. */
export const WS_STATUS_BAD_GATEWAY = 1014;
/** 1015: TLS handshake failure (local only, never on the wire). */
export const WS_STATUS_TLS_ERROR = 1015;

/** Default largest frame payload accepted, in bytes (128 KiB). */
export const WS_MAX_FRAME = 128 * 1024;
/** Default largest message accepted, in bytes (1 MiB). */
export const WS_MAX_MESSAGE = 1024 * 1024;
/** Largest control frame payload allowed by RFC 6455 (125 bytes). */
export const WS_MAX_CONTROL = 125;
/** The only protocol version this library speaks (`Sec-WebSocket-Version`). */
export const WS_VERSION = 13;
