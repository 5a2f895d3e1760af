// A tiny real DNS server (RFC 1035 over UDP) on a free port of 127.0.0.1 for client tests: it answers A queries
// for the names a test sets, NXDOMAIN for the rest, and nothing else. Clients reach it through a node:dns
// Resolver bound to it (c-ares, the same code path as any DNS lookup), so /etc/hosts and the machine's
// resolver stay untouched. (The CoreDNS built for the cluster tests carries only the kubernetes plugin.)
import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { isIPv4 } from 'node:net';

export interface TestDns {
  /** 127.0.0.1:PORT */
  server: string;
  /** Replaces every answer: name -> IPv4 addresses (an empty list answers no records). */
  setHosts(entries: Record<string, string[]>): void;
  /** Queries this server (what a client's `resolve` option uses). */
  resolve4(name: string): Promise<string[]>;
  /** Queries answered so far. */
  readonly queries: number;
  stop(): Promise<void>;
}

export async function startDns(initial: Record<string, string[]>): Promise<TestDns> {
  let hosts = normalise(initial);
  let queries = 0;
  const sock: Socket = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const reply = answer(msg, hosts);
    if (reply) {
      queries++;
      sock.send(reply, rinfo.port, rinfo.address);
    }
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  const server = `127.0.0.1:${sock.address().port}`;
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([server]);
  return {
    server,
    setHosts: (e) => void (hosts = normalise(e)),
    resolve4: (n) => resolver.resolve4(n),
    get queries() {
      return queries;
    },
    stop: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

function normalise(e: Record<string, string[]>): Map<string, string[]> {
  for (const [name, addrs] of Object.entries(e)) for (const a of addrs) if (!isIPv4(a)) throw new Error(`${name}: ${a} is not an IPv4 address`);
  return new Map(Object.entries(e).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
}

/** The reply to one query message (RFC 1035 4.1), or undefined for what is not a standard query. */
function answer(q: Buffer, hosts: ReadonlyMap<string, string[]>): Buffer | undefined {
  if (q.length < 12 || (q[2] & 0x80) !== 0 || q.readUInt16BE(4) !== 1) return undefined;
  // The one question: labels up to the zero byte, then QTYPE and QCLASS.
  const labels: string[] = [];
  let p = 12;
  while (p < q.length && q[p] !== 0) {
    const len = q[p];
    if (len > 63 || p + 1 + len > q.length) return undefined;
    labels.push(q.subarray(p + 1, p + 1 + len).toString('latin1'));
    p += 1 + len;
  }
  if (p + 5 > q.length) return undefined;
  const question = q.subarray(12, p + 5);
  const qtype = q.readUInt16BE(p + 1);
  const addrs = hosts.get(labels.join('.').toLowerCase());
  const records = addrs && qtype === 1 ? addrs : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.readUInt16BE(0), 0); // id
  // QR=1, opcode 0, AA=1, RD copied, RA=0; RCODE 3 (NXDOMAIN) for unknown names.
  header[2] = 0x84 | (q[2] & 0x01);
  header[3] = addrs ? 0 : 3;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const rr = records.map((a) => {
    const b = Buffer.alloc(16);
    b.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    b.writeUInt16BE(1, 2); // A
    b.writeUInt16BE(1, 4); // IN
    b.writeUInt32BE(1, 6); // TTL 1 s
    b.writeUInt16BE(4, 10);
    a.split('.').forEach((x, i) => (b[12 + i] = Number(x)));
    return b;
  });
  return Buffer.concat([header, question, ...rr]);
}
