/** The WebSocket connection protocol: frames in, events and frames out. */
export {};
