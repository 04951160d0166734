// The config file's known keys: the kind each accepts and its default, as the user would write it.
import { parseCount, parseSize, parseTime } from "./units.js";
import { leaf, list, map, object, optional, required, withDefault, type Decoder } from "./decode.js";
import type { WebConfig } from "./types.js";
import {
  checkBoolean, checkFileName, checkListenUrl, checkLogPath, checkMethod, checkOneOf, checkOrigin,
  checkPath, checkProtocolName, checkRouteMatch,
} from "./values.js";

const size = leaf(parseSize);
const time = leaf(parseTime);
const count = leaf(parseCount);
const boolean = leaf(checkBoolean);
const path = leaf(checkPath);

const webSockets = map(
  object({
    enable: withDefault(boolean, true),
    protocol: withDefault(list(leaf(checkProtocolName), { single: true }), []),
    ping: withDefault(time, "never"),
    hibernate: withDefault(time, "100ms"),
    validateUTF: withDefault(boolean, true),
    origins: optional(list(leaf(checkOrigin), { single: true })),
  }),
  ({ protocol, ...rest }) => ({ ...rest, protocols: protocol }),
);

const limits = object({
  maxFrame: withDefault(size, "128K"),
  maxMessage: withDefault(size, "1MB"),
  connections: withDefault(count, "unlimited"),
  header: withDefault(size, "10K"),
  body: withDefault(size, "100K"),
  // The runtime reads 0 as "no cap", so 'unlimited' becomes 0 here.
  fibers: withDefault(map(count, (fibers) => (fibers === Infinity ? 0 : fibers)), 0),
});

const timeouts = object({
  parse: withDefault(time, "5secs"),
  inactivity: withDefault(time, "5mins"),
  request: withDefault(time, "5mins"),
  close: withDefault(time, "5secs"),
  send: withDefault(time, "never"),
});

const route = object({
  match: required(leaf(checkRouteMatch)),
  handler: required(leaf(checkOneOf(["action", "file"]))),
  documents: optional(path),
  methods: optional(list(leaf(checkMethod), { single: true, nonEmpty: "method" })),
});

const log = object({
  level: withDefault(leaf(checkOneOf(["error", "info", "debug", "trace"])), "info"),
  path: withDefault(leaf(checkLogPath), "stdout"),
});

/**
 * Decode a listen address, or a list of them, into a non-empty list of `http://host:port`.
 * Shared by the `web.listen` key and the command line's `--listen`.
 */
export const listenDecoder = list(leaf(checkListenUrl), { single: true, nonEmpty: "listen URL" });

const web = object({
  listen: withDefault(listenDecoder, ["http://127.0.0.1:4100"]),
  documents: withDefault(path, "./site"),
  index: withDefault(leaf(checkFileName), "index.html"),
  webSockets: withDefault(webSockets, {}),
  limits: withDefault(limits, {}),
  timeouts: withDefault(timeouts, {}),
  routes: withDefault(list(route), []),
  log: withDefault(log, {}),
});

/**
 * Decode a whole parsed config document (`{ web: { … } }`) into a {@link WebConfig} without its
 * `file`; absent keys take their defaults, relative paths resolve against the context's folder.
 */
export const webConfigDecoder: Decoder<Omit<WebConfig, "file">> = map(
  object({ web: withDefault(web, {}) }),
  (document) => document.web,
);
