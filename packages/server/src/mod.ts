/** @fiberws/server: the HTTP server, config, routes, actions, file handler, upgrade. */
export * from "./config/mod.js";
export * from "./file/mod.js";
export { createWebServer, serve, webAddAction, WebServer, type WebService } from "./server.js";
export type { WebAction } from "./actions.js";
export type { HttpWeb, Web, WebSocketWeb } from "./web.js";
export { HttpError, webReadBody, webWriteJson, webWriteResponse } from "./reply.js";
export { webSocketAction } from "./websocket-action.js";
export type { ListenAddress } from "./listen.js";
export { cliMain, cliUsage, CliUsageError, parseCliArgs, runCli, type CliApp, type CliOptions } from "./command.js";
