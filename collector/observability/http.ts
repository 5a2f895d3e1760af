// The collector's HTTP endpoint: /metrics (Prometheus), /healthz (liveness) and /readyz (readiness) from the
// health monitor (`?verbose` lists every check, as the Kubernetes API server does), /status (JSON for
// `zlog status`), POST /drain (the Kubernetes preStop hook).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface HttpHandlers {
  metrics: Metrics;
  /** A probe's answer: 200 with `body` when ok, else 503; the body names each failing check. */
  health: (probe: 'liveness' | 'readiness', verbose: boolean) => { ok: boolean; body: string };
  status: () => unknown;
  /** Starts draining; resolves when the drain finished (the preStop hook waits for it). */
  drain: () => Promise<unknown>;
}

export async function startHttp(host: string, port: number, h: HttpHandlers): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    void route(req, res, h).catch((err: Error) => send(res, 500, 'text/plain', `internal error: ${err.message}\n`));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function route(req: IncomingMessage, res: ServerResponse, h: HttpHandlers): Promise<void> {
  const [url, query = ''] = (req.url ?? '/').split('?');
  if (url === '/metrics' && req.method === 'GET') {
    send(res, 200, h.metrics.registry.contentType, await h.metrics.registry.metrics());
  } else if (url === '/healthz' || url === '/readyz') {
    const verbose = new URLSearchParams(query).has('verbose');
    const a = h.health(url === '/healthz' ? 'liveness' : 'readiness', verbose);
    send(res, a.ok ? 200 : 503, 'text/plain', a.body);
  } else if (url === '/status' && req.method === 'GET') {
    send(res, 200, 'application/json', JSON.stringify(h.status()) + '\n');
  } else if (url === '/drain') {
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST /drain\n');
    const result = await h.drain();
    send(res, 200, 'application/json', JSON.stringify(result) + '\n');
  } else {
    send(res, 404, 'text/plain', 'not found: try /metrics, /healthz, /readyz, /status, POST /drain\n');
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
