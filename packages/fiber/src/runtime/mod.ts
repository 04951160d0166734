/** The Embedthis fiber runtime, emulated with effection tasks. */
export {};
