/** @fiberws/server: the HTTP server, config, routes, actions, file handler, upgrade. */
export {};
