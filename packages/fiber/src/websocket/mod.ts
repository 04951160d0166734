/** WebSocket connections as fibers: run, send, close, keep-alive, client. */
export {};
