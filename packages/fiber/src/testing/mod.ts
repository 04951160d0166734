/** The users' vitest kit: scoped test operations, loopback connections, controlled time. */
export {};
