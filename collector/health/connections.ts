// Connections per input: peers connected now, and the ZeroMQ socket monitor's events (accepted, connected,
// disconnected, handshake failed) so far. Reported and exported only: an input with no peer is normal
// (emitters come and go), but handshake failures point at CURVE keys or a protocol mismatch.
import type { CheckResult, InputReading } from './types.js';

export function connectionsCheck(i: InputReading): CheckResult {
  const failed = i.events.handshake_failed ?? 0;
  return {
    name: `connections:${i.id}`,
    status: 'ok',
    value: i.peers,
    threshold: null,
    unit: 'peers',
    affects: { readiness: false, liveness: false },
    detail: `${i.peers} ${i.peers === 1 ? 'peer' : 'peers'} connected; accepted ${i.events.accepted ?? 0}, connected ${i.events.connected ?? 0}, disconnected ${i.events.disconnected ?? 0}, handshake failed ${failed}`,
  };
}
