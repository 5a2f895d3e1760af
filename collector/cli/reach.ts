// Names why the collector could not be reached, the way operators search for it (ECONNREFUSED, ETIMEDOUT,
// ENOTFOUND) rather than undici's bare "fetch failed" or ZeroMQ's silent reconnects.
import { connect } from 'node:net';

/** The cause of a failed fetch(): its system error code and address, or the timeout, or the message. */
export function fetchFailure(err: unknown, timeoutSeconds: number): string {
  const e = err as { name?: string; message?: string; cause?: { name?: string; code?: string; message?: string; errors?: { name?: string; code?: string; message?: string }[] } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutSeconds} s`;
  const cause = e.cause?.errors?.[0] ?? e.cause;
  // undici's HTTPParserError (llhttp's HPE_* codes): something answered, but not in HTTP, e.g. a ZeroMQ input's
  // port (its ZMTP greeting).
  if (cause?.name === 'HTTPParserError' || cause?.code?.startsWith('HPE_')) return `the port answered, but not in HTTP (a ZeroMQ input's port?): ${cause.message ?? cause.code}`;
  if (cause?.code) return cause.message && cause.message.includes(cause.code) ? cause.message : `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message; // e.g. "bad port" (a port fetch refuses, such as 1 or 6000)
  return e.message ?? String(err);
}

/**
 * For a tcp://HOST:PORT ZeroMQ endpoint: tries a plain TCP connection and returns why it failed (`connect
 * ECONNREFUSED 127.0.0.1:5557`), or undefined when something accepted it. ipc:// and inproc:// give undefined.
 */
export function tcpProbe(endpoint: string, timeoutMs: number): Promise<string | undefined> {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(endpoint);
  if (!m) return Promise.resolve(undefined);
  const host = m[1].replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const sock = connect({ host, port: Number(m[2]) });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(`no TCP connection to ${host}:${m[2]} within ${timeoutMs} ms`);
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(undefined);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
  });
}
