// Node HTTP server options that enforce the configured header limit and parse/request timeouts.
import type { ServerOptions } from "node:http";
import type { WebConfig } from "./config/mod.js";

/** The largest header size node accepts as a setting (its parser counts in 32-bit integers). */
const MAX_HEADER_SETTING = 2 ** 31 - 1;

/**
 * Node server options for a configuration: `maxHeaderSize` from `limits.header` (over it → 431),
 * `headersTimeout` from `timeouts.parse` (headers later → 408), `requestTimeout` from
 * `timeouts.request` (the whole request later → 408), checked often enough to answer within a
 * fraction of the parse timeout.
 * @param config the server's configuration.
 * @returns options for `http.createServer`.
 */
export function httpOptions(config: WebConfig): ServerOptions {
  const { limits, timeouts } = config;
  const request = finiteMs(timeouts.request);
  const parse = finiteMs(timeouts.parse);
  // Node refuses a headers timeout longer than a (non-zero) request timeout.
  const headers = request > 0 && (parse === 0 || parse > request) ? request : parse;
  const shortest = [headers, request].filter((ms) => ms > 0);
  const check = shortest.length === 0 ? 30_000 : Math.min(1000, Math.max(20, Math.floor(Math.min(...shortest) / 10)));
  return {
    maxHeaderSize: Math.min(limits.header, MAX_HEADER_SETTING),
    headersTimeout: headers,
    requestTimeout: request,
    connectionsCheckingInterval: check,
  };
}

/** A time in ms as node wants it: 0 for none (also for Infinity). */
function finiteMs(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0;
}
