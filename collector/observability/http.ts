// The collector's two HTTP listeners.
//   public (config `http`, 0.0.0.0 in a pod): GET /metrics (Prometheus), /healthz (liveness) and /readyz
//     (readiness) from the health monitor (`?verbose` lists every check, as the Kubernetes API server does),
//     GET /sinks (each sink's health as JSON, docs/sinks.md; the operator reads it for the LogServer status).
//     Read-only: nothing here changes state, so probes and Prometheus may reach it.
//   admin (config `admin`, loopback only): POST /drain (the Kubernetes preStop hook), GET /status (`zlog
//     status`). Every request passes collector/security/admin-guard.ts first.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminRefusal } from '../security/admin-guard.js';
import type { Metrics } from './metrics.js';

export interface HttpHandlers {
  metrics: Metrics;
  /** A probe's answer: 200 with `body` when ok, else 503; the body names each failing check. */
  health: (probe: 'liveness' | 'readiness', verbose: boolean) => { ok: boolean; body: string };
  /** GET /sinks: `{sinks: SinkHealth[]}` (sinks/health.ts). */
  sinks?: () => unknown;
}

export interface AdminHandlers {
  status: () => unknown;
  /** Starts draining; resolves when the drain finished (the preStop hook waits for it). */
  drain: () => Promise<unknown>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Starts the public listener; port 0 picks a free one. Rejects when the address cannot be bound. */
export function startHttp(host: string, port: number, h: HttpHandlers): Promise<{ server: Server; port: number }> {
  return listen(host, port, (req, res) => publicRoute(req, res, h));
}

/** Starts the admin listener (host must be a loopback address; the config schema enforces it). */
export function startAdmin(host: string, port: number, h: AdminHandlers): Promise<{ server: Server; port: number }> {
  return listen(host, port, (req, res) => adminRoute(req, res, h));
}

async function listen(host: string, port: number, route: Route): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    void route(req, res).catch((err: Error) => send(res, 500, 'text/plain', `internal error: ${err.message}\n`));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function publicRoute(req: IncomingMessage, res: ServerResponse, h: HttpHandlers): Promise<void> {
  const [url, query = ''] = (req.url ?? '/').split('?');
  if (url === '/metrics' && req.method === 'GET') {
    send(res, 200, h.metrics.registry.contentType, await h.metrics.registry.metrics());
  } else if (url === '/healthz' || url === '/readyz') {
    const verbose = new URLSearchParams(query).has('verbose');
    const a = h.health(url === '/healthz' ? 'liveness' : 'readiness', verbose);
    send(res, a.ok ? 200 : 503, 'text/plain', a.body);
  } else if (url === '/sinks' && req.method === 'GET' && h.sinks) {
    send(res, 200, 'application/json', JSON.stringify(h.sinks()) + '\n');
  } else if (url === '/drain' || url === '/status') {
    send(res, 404, 'text/plain', `not found: ${url} is served on the collector's loopback admin listener only\n`);
  } else {
    send(res, 404, 'text/plain', 'not found: try /metrics, /healthz, /readyz, /sinks\n');
  }
}

async function adminRoute(req: IncomingMessage, res: ServerResponse, h: AdminHandlers): Promise<void> {
  const refusal = adminRefusal({ remoteAddress: req.socket.remoteAddress, headers: req.headers });
  if (refusal) return send(res, 403, 'text/plain', `forbidden: ${refusal}\n`);
  const url = (req.url ?? '/').split('?')[0];
  if (url === '/status' && req.method === 'GET') {
    send(res, 200, 'application/json', JSON.stringify(h.status()) + '\n');
  } else if (url === '/drain') {
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST /drain\n');
    const result = await h.drain();
    send(res, 200, 'application/json', JSON.stringify(result) + '\n');
  } else {
    send(res, 404, 'text/plain', 'not found: try GET /status, POST /drain\n');
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
