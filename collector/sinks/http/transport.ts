// One HTTP connection pool per sink (undici), with TLS verified unless explicitly switched off, credentials read
// from files (Kubernetes Secrets mounted as files), gzip of request bodies off the main thread, and per-request
// metrics in Vector's style (http_client_*).
import { promisify } from 'node:util';
import { createGzip, gzip as gzipCb, constants as zc } from 'node:zlib';
import { Agent, request } from 'undici';
import type { Logger } from '../../observability/logger.js';
import { READ_CAPS, readFileBoundedAsync } from '../../util/read-bounded.js';
import type { HttpSinkSettings } from './schema.js';

const gzip = promisify(gzipCb);

/** A bulk response names every item; 10,000 items with errors stay well below this. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The response text, or an error once it passes `max` bytes (a misbehaving peer cannot claim unbounded memory). */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.byteLength;
    if (n > max) {
      body.destroy();
      throw new Error(`response larger than ${max} bytes`);
    }
    parts.push(c);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Level 1: on 2 cores the store's own CPU is the limit; stronger levels cost more than they save here. */
const GZIP_LEVEL = zc.Z_BEST_SPEED;

/**
 * One gzip member of the parts one after the other, without joining them first: the parts are views of the
 * pipeline's shared-memory buffers, and a copy out of a SharedArrayBuffer is an element-wise one in V8 (the
 * loki sink's Buffer.concat of every request cost ~2 µs per 1 KiB record of main-thread CPU in a profile).
 * zlib reads each part where it is, on libuv's pool.
 */
function gzipParts(parts: readonly Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGzip({ level: GZIP_LEVEL });
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    z.on('end', () => resolve(out.length === 1 ? out[0] : Buffer.concat(out)));
    z.on('error', reject);
    for (const p of parts) if (p.byteLength > 0) z.write(p);
    z.end();
  });
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface HttpMetricsHooks {
  /** Called once per request sent, with the status (0 for a transport error) and the round trip in seconds. */
  onResponse(status: number, seconds: number): void;
}

export class HttpTransport {
  private agent?: Agent;
  private authHeader?: string;
  private readonly base: URL;

  constructor(
    private readonly sinkId: string,
    private readonly cfg: HttpSinkSettings,
    private readonly log: Logger,
    private readonly hooks: HttpMetricsHooks = { onResponse() {} },
  ) {
    this.base = new URL(cfg.endpoint);
  }

  /** Reads the CA bundle, client certificate and credentials files. Throws naming the file that failed. */
  async open(): Promise<void> {
    const { tls, auth } = this.cfg;
    const read = async (what: string, path: string) => {
      try {
        return await readFileBoundedAsync(path, READ_CAPS.secret);
      } catch (err) {
        throw new Error(`sink ${this.sinkId}: cannot read ${what} ${path}: ${(err as Error).message}`);
      }
    };
    if (tls.insecureSkipVerify && this.base.protocol === 'https:') {
      this.log.warn({ sink: this.sinkId, endpoint: this.cfg.endpoint }, 'TLS certificate verification is OFF for this sink (tls.insecureSkipVerify): anyone on the path can read and change what it sends');
    }
    const ca = tls.caFile ? await read('tls.caFile', tls.caFile) : undefined;
    const cert = tls.certFile ? await read('tls.certFile', tls.certFile) : undefined;
    const key = tls.keyFile ? await read('tls.keyFile', tls.keyFile) : undefined;
    if (auth?.bearerTokenFile) {
      this.authHeader = `Bearer ${(await read('auth.bearerTokenFile', auth.bearerTokenFile)).trim()}`;
    } else if (auth?.usernameFile || auth?.passwordFile) {
      if (!auth.usernameFile || !auth.passwordFile) throw new Error(`sink ${this.sinkId}: auth needs both usernameFile and passwordFile`);
      const user = (await read('auth.usernameFile', auth.usernameFile)).trim();
      const pass = (await read('auth.passwordFile', auth.passwordFile)).replace(/\r?\n$/, '');
      this.authHeader = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    this.agent = new Agent({
      connections: this.cfg.concurrency,
      headersTimeout: this.cfg.timeoutMs,
      bodyTimeout: this.cfg.timeoutMs,
      connect: { ca, cert, key, rejectUnauthorized: !tls.insecureSkipVerify, timeout: this.cfg.timeoutMs },
    });
  }

  /**
   * POSTs `body` (already gzip-compressed when `gzipped`; or a list of parts, sent as one body) to the endpoint's
   * base path + `path`. Resolves with any HTTP status (the caller classifies it); rejects only on transport errors
   * (refused, reset, timeout, TLS).
   */
  async post(path: string, body: Uint8Array | readonly Uint8Array[], contentType: string, extraHeaders: Record<string, string> = {}, gzipped = false): Promise<HttpResponse> {
    if (!this.agent) await this.open();
    const url = new URL(this.base.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(this.cfg.query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = { 'content-type': contentType, ...this.cfg.headers, ...extraHeaders };
    if (this.authHeader) headers.authorization = this.authHeader;
    let payload: Uint8Array;
    if (gzipped) {
      payload = Array.isArray(body) ? Buffer.concat(body) : (body as Uint8Array);
      headers['content-encoding'] = 'gzip';
    } else if (this.cfg.compression === 'gzip') {
      payload = Array.isArray(body) ? await gzipParts(body) : await gzip(body as Uint8Array, { level: GZIP_LEVEL });
      headers['content-encoding'] = 'gzip';
    } else payload = Array.isArray(body) ? Buffer.concat(body) : (body as Uint8Array);
    const t0 = performance.now();
    try {
      const res = await request(url, { method: 'POST', headers, body: payload, dispatcher: this.agent });
      const text = await readBounded(res.body, MAX_RESPONSE_BYTES);
      this.hooks.onResponse(res.statusCode, (performance.now() - t0) / 1000);
      return { status: res.statusCode, body: text };
    } catch (err) {
      this.hooks.onResponse(0, (performance.now() - t0) / 1000);
      throw err;
    }
  }

  /**
   * Ends every connection and fails any request still in flight. Called once the sink stage has written
   * everything or given up (a drain that timed out). Not undici's graceful Agent.close(): with undici 7.30.2 it
   * never resolves once a request failed certificate verification while another was in flight (an https
   * endpoint whose certificate names another host), and the collector then never exited after its drain.
   */
  async close(): Promise<void> {
    const a = this.agent;
    this.agent = undefined;
    await a?.destroy();
  }
}
