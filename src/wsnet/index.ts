/**
 * Folder wsnet/: SIP over WebSocket bound to the `ws` library (RFC 7118 over RFC 6455). The SIP
 * side of the transport is the core's (core/transport/ws.ts); this folder holds the HTTP(S)
 * server, the upgrade rules and the `ws` sockets. daemon and loadgen import it; it imports the
 * core and `ws` only.
 */
export * from './gate.js';
export * from './listen.js';
export * from './server.js';
export * from './socket.js';
