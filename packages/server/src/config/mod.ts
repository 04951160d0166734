/** Loading and validating the json5 configuration. */
export { applyOverrides, defaultConfig, loadConfig, parseConfig, type ConfigOverrides } from "./load.js";
export { ConfigError, type ConfigProblem } from "./errors.js";
export { parseCount, parseSize, parseTime } from "./units.js";
export type { LimitsConfig, LogConfig, LogLevel, RouteConfig, TimeoutsConfig, WebConfig, WebSocketsConfig } from "./types.js";
