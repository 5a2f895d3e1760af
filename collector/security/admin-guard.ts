// Who may call the collector's admin endpoints (POST /drain, GET /status). The admin listener binds a
// loopback address only (config `admin.host`), so a peer on the pod network cannot even connect; this check is
// the second wall and closes what binding cannot:
//   - a peer that is not on loopback (a misconfigured bind, a proxy in the pod forwarding outside traffic);
//   - a web page in a browser on the same machine: browsers send `Origin` on every cross-origin request and on
//     every POST (Fetch standard, "append a request `Origin` header"), and `Sec-Fetch-Site` where supported, so a
//     CORS "simple" POST or a form post is refused before it reaches a handler;
//   - DNS rebinding (a page whose host name resolves to 127.0.0.1): its requests carry the attacker's host name
//     in `Host`, so only loopback host names are accepted.
// The preStop hook (node's fetch), `zlog status` and curl send none of the browser headers and a loopback Host.

export interface AdminRequest {
  /** Peer address as the socket reports it (IPv4, IPv6 or IPv4-mapped IPv6). */
  remoteAddress: string | undefined;
  /** Request headers, lower-case names (node's IncomingMessage.headers). */
  headers: Record<string, string | string[] | undefined>;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms (RFC 1122 3.2.1.3, RFC 4291 2.5.3 and 2.5.5.2). */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.toLowerCase().replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::1';
}

/** Host header values a loopback client sends: localhost, 127.x.y.z or [::1], with an optional port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:]+))(?::\d{1,5})?$/i.exec(host.trim());
  if (!m) return false;
  const name = (m[1] ?? m[2]).toLowerCase();
  return name === 'localhost' || isLoopbackAddress(name);
}

/**
 * Why an admin request is refused, or undefined when it may proceed. Pure: the HTTP edge passes the socket's
 * peer address and the headers and answers 403 with this text.
 */
export function adminRefusal(req: AdminRequest): string | undefined {
  if (!isLoopbackAddress(req.remoteAddress)) return `admin endpoints answer loopback peers only, not ${req.remoteAddress ?? 'an unknown peer'}`;
  if (req.headers.origin !== undefined) return 'admin endpoints refuse browser requests (Origin header present)';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none') return `admin endpoints refuse browser requests (Sec-Fetch-Site: ${String(site)})`;
  const host = req.headers.host;
  if (!isLoopbackHost(Array.isArray(host) ? host[0] : host)) return `admin endpoints need a loopback Host header (localhost, 127.0.0.1 or [::1]), not ${JSON.stringify(host ?? '')}`;
  return undefined;
}
