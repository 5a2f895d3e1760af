// The CURVE side of a native receiver (native-receive.ts): hands the allowed keys to the addon's ZAP handler and
// moves the handler's outcomes into metrics and the once-per-key refusal log. Shared by the PULL/SUB and
// ROUTER inputs on the native path.
import type { InputCurve } from '../../security/curve.js';
import type { NativeReceiver } from './native-receive.js';

/** How often a CURVE input collects its ZAP handler's counters and refusals (metrics, once-per-key log). */
const AUTH_POLL_MS = 1000;

export class NativeAuth {
  private timer?: NodeJS.Timeout;
  private seen = { accepted: 0, refused: {} as Record<string, number>, revokedConnections: 0 };

  constructor(
    private readonly native: NativeReceiver,
    private readonly curve: InputCurve,
  ) {}

  /** Before the socket binds: the allow-list is in the addon first, so no handshake is answered from an empty set. */
  start(): void {
    this.curve.ownHandler((keys) => this.native.setClientKeys(keys));
    this.timer = setInterval(() => this.collect(), AUTH_POLL_MS);
    this.timer.unref();
  }

  /** Moves the ZAP handler's outcomes since the last call into metrics and the once-per-key refusal log. */
  collect(): void {
    const a = this.native.authStats();
    if (!a) return;
    const seen = this.seen;
    const refused: Record<string, number> = {};
    for (const [reason, n] of Object.entries(a.refused)) refused[reason] = n - (seen.refused[reason] ?? 0);
    this.curve.counted(a.accepted - seen.accepted, refused, a.revokedConnections - seen.revokedConnections);
    this.seen = { accepted: a.accepted, refused: a.refused, revokedConnections: a.revokedConnections };
    for (const r of a.refusals) this.curve.refusedOnce(r.reason, r.key, r.address);
  }

  /** Before the receiver closes: the last outcomes are collected. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.collect();
  }
}
