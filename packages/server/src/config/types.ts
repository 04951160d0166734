// The normalized server configuration: what the loader hands to the server, units already applied.

/** How loud the server's log is, from quietest to loudest. */
export type LogLevel = "error" | "info" | "debug" | "trace";

/** WebSocket settings (`web.webSockets`). */
export interface WebSocketsConfig {
  /** false refuses every upgrade. */
  enable: boolean;
  /** Subprotocols the server offers, in preference order; [] for none. */
  protocols: string[];
  /** Keep-alive ping period in ms; 0 = never. */
  ping: number;
  /**
   * Ms without an event after which a connection's fiber hibernates: it gives back its
   * effection task (~10 KB) until the next event; 0 = never.
   */
  hibernate: number;
  /** Check that text messages are valid UTF-8 (close 1007 otherwise). */
  validateUTF: boolean;
  /** Origins allowed to upgrade, as browsers send them; undefined = allow all. */
  origins: string[] | undefined;
}

/** Size and count limits (`web.limits`): bytes or counts; Infinity = unlimited. */
export interface LimitsConfig {
  maxFrame: number;
  maxMessage: number;
  connections: number;
  header: number;
  body: number;
  /** Cap on live request and WebSocket fibers; 0 = no cap. */
  fibers: number;
}

/** Timeouts (`web.timeouts`) in ms; 0 = never. */
export interface TimeoutsConfig {
  parse: number;
  inactivity: number;
  request: number;
  close: number;
  send: number;
}

/** One route (`web.routes[i]`), tried in order. */
export interface RouteConfig {
  /** A path; ending in '/' (or '') it matches as a prefix, otherwise exactly. */
  match: string;
  handler: "action" | "file";
  /** For `file` routes: the folder served, absolute; undefined = `web.documents`. */
  documents?: string | undefined;
  /** Upper-case methods accepted; undefined = all. */
  methods?: string[] | undefined;
}

/** Where and how much the server logs (`web.log`). */
export interface LogConfig {
  level: LogLevel;
  /** 'stdout', 'stderr' or an absolute file path. */
  path: string;
}

/** The whole server configuration, normalized: sizes in bytes, times in ms, paths absolute. */
export interface WebConfig {
  /** Absolute path of the config file, if loaded from one. */
  file: string | undefined;
  /** Addresses to listen on, each `http://host:port`. */
  listen: string[];
  /** The default folder for `file` routes, absolute. */
  documents: string;
  /** The file served for a directory, e.g. 'index.html'. */
  index: string;
  webSockets: WebSocketsConfig;
  limits: LimitsConfig;
  timeouts: TimeoutsConfig;
  routes: RouteConfig[];
  log: LogConfig;
}
