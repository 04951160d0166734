/** @fiberws/server: the HTTP server, config, routes, actions, file handler, upgrade. */
export * from "./config/mod.js";
export * from "./file/mod.js";
