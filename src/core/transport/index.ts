export * from './address.js';
export * from './cert-info.js';
export * from './connection-table.js';
export * from './connection-transport.js';
export * from './errors.js';
export * from './resolve.js';
export * from './stream-framer.js';
export * from './stream-connection.js';
export * from './stream-transport.js';
export * from './tcp.js';
export * from './tls.js';
export * from './transport-layer.js';
export * from './types.js';
export {
  bindUdpFd,
  steerUdpByCallId,
  udpFdPort,
  NativeUdpSocket,
  nativeUdpBatch,
  nativeUdpReadsPerTurn,
  trimNativeMemory,
  type NativeBindOptions,
} from './native-udp.js';
export * from './udp.js';
export * from './queue-watch.js';
export * from './ws.js';
export * from './ws-connection.js';
export * from './via-routing.js';
