// A TCP pass-through in front of the API server (TLS goes through untouched), so a test can cut every
// connection of one client — its watches included — as a network failure would, or refuse new ones for a
// while. The API server itself stays real and unaware.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  /** Connections cut by killAll() so far. */
  killed = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: URL): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => {
      if (!proxy || proxy.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      const p = proxy;
      p.sockets.add(client);
      p.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        p.sockets.delete(client);
        p.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FaultProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** Resets every open connection (both directions). */
  killAll(): number {
    const n = this.sockets.size / 2;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    this.killed += n;
    return n;
  }

  /** While true, new connections are closed at once. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  get open(): number {
    return this.sockets.size / 2;
  }

  /** A copy of `kubeconfig` whose server goes through this proxy. */
  rewriteKubeconfig(kubeconfig: string, out: string): string {
    const doc = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
    for (const c of doc.clusters) {
      const u = new URL(c.cluster.server);
      u.port = String(this.port);
      c.cluster.server = u.toString().replace(/\/$/, '');
    }
    writeFileSync(out, stringify(doc));
    return out;
  }

  close(): Promise<void> {
    this.killAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
