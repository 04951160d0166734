/** Loading and validating the json5 configuration. */
export {};
