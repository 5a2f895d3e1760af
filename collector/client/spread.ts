// Reaching every replica behind one DNS name (a Kubernetes headless Service resolves to one address per ready
// pod): the name is resolved to all its addresses, the client connects to each, and resolves again every so
// often so that new pods get traffic and gone pods are dropped. Pure planning here (endpoints, diffs); the
// client (client.ts) does the connects, disconnects and resends.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Options of ZlogClient.connectAll. */
export interface SpreadOptions {
  /** How often the name is resolved again, in ms (default 10000; a headless Service's DNS TTL is 30 s by default in CoreDNS). */
  resolveIntervalMs?: number;
  /**
   * Resolves a host name to its addresses. Default: every address getaddrinfo returns (`dns.lookup` with
   * `all: true`), as the cluster DNS answers for a headless Service. A test or embedder may pass a
   * `dns.promises.Resolver` bound to its own server (`(h) => r.resolve4(h)`).
   */
  resolve?: (host: string) => Promise<string[]>;
  /** Most peers kept (default 256): a name answering more addresses is cut to the first ones, sorted. */
  maxPeers?: number;
}

/** `tcp://HOST:PORT` split for resolution; throws a RangeError naming the endpoint otherwise. */
export function parseTcpEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/[\]]+):(\d+)$/.exec(endpoint);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new RangeError(`connectAll takes tcp://HOST:PORT with a port 1-65535, got ${JSON.stringify(endpoint)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** The ZeroMQ endpoint of one resolved address (IPv6 in brackets). */
export function addressEndpoint(address: string, port: number): string {
  return isIP(address) === 6 ? `tcp://[${address}]:${port}` : `tcp://${address}:${port}`;
}

/** Endpoints to connect and to drop to go from `current` to the resolved `next` (at most `max`, sorted, unique). */
export function peerDiff(current: ReadonlySet<string>, next: readonly string[], max: number): { add: string[]; remove: string[]; wanted: Set<string> } {
  const wanted = new Set([...new Set(next)].sort().slice(0, max));
  return { add: [...wanted].filter((e) => !current.has(e)), remove: [...current].filter((e) => !wanted.has(e)), wanted };
}

/** getaddrinfo's answer for `host`: every address, IPv4 and IPv6. */
export async function lookupAll(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  return (await lookup(host, { all: true })).map((a) => a.address);
}
