// The native protocol v1 codec: see docs/protocol.md.
export * from './header.js';
export * from './payload.js';
export * from './compression.js';
export * from './reply.js';
export * from './message.js';
