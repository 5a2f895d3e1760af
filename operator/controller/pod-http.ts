// One small GET to a pod's metrics port (/readyz, /sinks), over node:http, which the API client has loaded
// already. Not the global fetch: its first use loads Node's bundled undici, and its global dispatcher keeps a
// connection pool per origin, here one per pod IP; asking 200 pods every 30 s that way cost the operator about
// 20 MiB of RSS against about 10 with this (200 pods asked, docs/operator.md "Scale: 200 LogServers"). A sweep
// asks each pod once, so no connection is kept: every request has its own (agent: false).
import http from 'node:http';

export interface PodAnswer {
  status: number;
  body: string;
}

/**
 * GET http://ip:port/path. Resolves with the status and body (utf-8), or rejects with an Error whose message is
 * the reason: the socket's error code (ECONNREFUSED, EHOSTUNREACH...), `timeout` past `timeoutMs` (from the
 * request's start to the end of the answer), or `answer over N bytes` once the body passes `maxBytes` (reading
 * stops there, so a pod cannot make the operator hold more).
 */
export function podGet(ip: string, port: number, path: string, timeoutMs: number, maxBytes: number): Promise<PodAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, answer?: PodAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(answer!);
    };
    const req = http.get({ host: ip, port, path, agent: false, headers: { accept: 'application/json, text/plain' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) return finish(new Error(`answer over ${maxBytes} bytes`));
        chunks.push(c);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => finish(err));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(new Error(err.code ?? err.message)));
    const timer = setTimeout(() => finish(new Error('timeout')), timeoutMs);
  });
}
