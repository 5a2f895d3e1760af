// Loopback helpers for the end-to-end tests (free ports and polling come from test/helpers/net.ts).
export { freePort, waitFor } from '../../helpers/net.js';

/** GET a URL on loopback with a short timeout; resolves with status and body. */
export async function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}
