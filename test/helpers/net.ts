// Small shared pieces for process-level tests: a free loopback port, and polling with a named deadline.
import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for peers that must be told a port before they bind it. The short
 * window before the peer binds it is accepted (the same trade every test harness makes).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

/**
 * Polls `probe` until it returns true or the deadline passes. A probe that throws is retried; the timeout error
 * names what was awaited and the last error seen.
 */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
