// The ZAP handler (ZeroMQ RFC 27): libzmq asks it, over the inproc endpoint `zeromq.zap.01` of the socket's
// context, whether a peer that completed the CurveZMQ handshake (RFC 26) may connect. One handler serves the
// whole process (one per context is all RFC 27 allows); each CURVE input registers its ZAP domain with its own
// allow-list. The decision is the pure function `decide`; `ZapHandler` is the socket edge.
//
// Fail closed: inputs set ZMQ_ZAP_ENFORCE_DOMAIN, so if this handler were missing, libzmq refuses every CURVE
// peer instead of admitting all of them (measured with zeromq.js 6.8 / libzmq 4.3.5: without a handler and
// without the option any key got in).
import * as zmq from 'zeromq';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
const ZAP_VERSION = '1.0';

/** Why a peer was refused (the `reason` label of zlog_auth_refused_total). */
export type RefusalReason = 'unknown_key' | 'mechanism' | 'unknown_domain' | 'malformed_request';

export interface ZapDomain {
  /** Name of the allowed key (32 bytes), or undefined when the key is not allowed. */
  nameOf(publicKey: Uint8Array): string | undefined;
  accepted(keyName: string): void;
  refused(reason: RefusalReason, publicKey: Uint8Array | undefined, address: string): void;
}

export type ZapDecision = { ok: true; userId: string; domain?: ZapDomain } | { ok: false; reason: RefusalReason; publicKey?: Uint8Array; address: string; domain?: ZapDomain };

/** RFC 27 section "Request": version, request id, domain, address, identity, mechanism, credentials... */
export function decide(frames: readonly Uint8Array[], domains: ReadonlyMap<string, ZapDomain>): ZapDecision {
  const text = (i: number) => (frames[i] ? Buffer.from(frames[i]).toString('latin1') : '');
  const address = text(3);
  if (frames.length < 6 || text(0) !== ZAP_VERSION) return { ok: false, reason: 'malformed_request', address };
  const domain = domains.get(text(2));
  if (!domain) return { ok: false, reason: 'unknown_domain', address };
  if (text(5) !== 'CURVE' || frames.length !== 7 || frames[6].byteLength !== 32) return { ok: false, reason: 'mechanism', address, domain };
  const key = frames[6];
  const name = domain.nameOf(key);
  if (name === undefined) return { ok: false, reason: 'unknown_key', publicKey: key, address, domain };
  return { ok: true, userId: name, domain };
}

/** RFC 27 section "Reply": version, request id, status code, status text, user id, metadata. */
export function reply(requestId: Uint8Array, d: ZapDecision): (string | Uint8Array)[] {
  return d.ok ? [ZAP_VERSION, requestId, '200', 'OK', d.userId, ''] : [ZAP_VERSION, requestId, '400', `refused: ${d.reason}`, '', ''];
}

let shared: ZapHandler | undefined;

/** The process's handler: bound before the first CURVE socket binds, closed after the last domain leaves. */
export class ZapHandler {
  private readonly sock = new zmq.Reply({ linger: 0 });
  private readonly domains = new Map<string, ZapDomain>();
  private loop?: Promise<void>;

  private constructor() {}

  /** Registers a domain, binding the handler first if this is the first one. Throws if the domain is taken. */
  static async register(name: string, domain: ZapDomain): Promise<void> {
    if (!shared) {
      const h = new ZapHandler();
      await h.sock.bind(ZAP_ENDPOINT);
      h.loop = h.run();
      shared = h;
    }
    if (shared.domains.has(name)) throw new Error(`ZAP domain ${name} is already registered`);
    shared.domains.set(name, domain);
  }

  static async unregister(name: string): Promise<void> {
    const h = shared;
    if (!h) return;
    h.domains.delete(name);
    if (h.domains.size > 0) return;
    shared = undefined;
    h.sock.close();
    await h.loop;
  }

  private async run(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.sock.receive();
      } catch {
        return; // closed
      }
      const d = decide(frames, this.domains);
      if (d.ok) d.domain?.accepted(d.userId);
      else d.domain?.refused(d.reason, d.publicKey, d.address);
      try {
        await this.sock.send(reply(frames[1] ?? Buffer.alloc(0), d));
      } catch {
        return;
      }
    }
  }
}
