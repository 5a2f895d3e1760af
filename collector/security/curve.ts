// CURVE for one input: reads its server certificate and allowed client keys, registers the input's ZAP domain,
// and gives the socket options that make its socket a CurveZMQ server (RFC 26) asking the ZAP handler (RFC 27).
// Refusals are counted by reason and logged once per key: a client retrying with a wrong key reconnects every
// few hundred milliseconds, and a log line per attempt would be a flood an attacker controls.
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { ClientKeys } from './client-keys.js';
import type { CurveSecurity } from './schema.js';
import { ZapHandler, type RefusalReason, type ZapDomain } from './zap.js';
import { READ_CAPS, readFileBounded } from '../util/read-bounded.js';
import { parseCertificate } from './zcert.js';
import { z85Encode } from './z85.js';

/** Keys remembered as already logged; beyond this the memory starts over (a new line per key again). */
export const MAX_LOGGED_KEYS = 1024;

/** zeromq.js socket options of a CURVE server input. */
export interface CurveSocketOptions {
  curveServer: true;
  curveSecretKey: string;
  zapDomain: string;
  zapEnforceDomain: true;
}

/** Remembers which keys were logged, bounded: clearing when full costs one repeated line per key at worst. */
export class OncePerKey {
  private readonly seen = new Set<string>();
  constructor(private readonly max = MAX_LOGGED_KEYS) {}
  /** True the first time a key is seen (since the memory last filled up). */
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}

export class InputCurve {
  readonly socketOptions: CurveSocketOptions;
  /** The server's secret key, Z85 (40 characters). */
  readonly serverSecretKey: string;
  readonly keys: ClientKeys;
  private readonly logged = new OncePerKey();
  private readonly domain: string;
  private readonly keyListeners: ((keys: [string, string][]) => void)[] = [];
  /** The input runs its own ZAP handler (native receive path): the process's zeromq.js one is not needed. */
  private ownZap = false;
  private closed = false;

  /** Reads the files (throws Error naming the file); does not register yet. */
  constructor(
    private readonly inputId: string,
    security: CurveSecurity,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    let text: string;
    try {
      text = readFileBounded(security.serverKeyFile, READ_CAPS.certificate);
    } catch (err) {
      throw new Error(`input ${inputId}: security.serverKeyFile: ${(err as Error).message}`);
    }
    const cert = parseCertificate(text, `input ${inputId}: security.serverKeyFile ${security.serverKeyFile}`);
    if (cert.secretKey === undefined) throw new Error(`input ${inputId}: security.serverKeyFile ${security.serverKeyFile} has no secret-key; give the secret certificate (NAME.key_secret)`);
    this.domain = `zlog/${inputId}`;
    this.socketOptions = { curveServer: true, curveSecretKey: cert.secretKey, zapDomain: this.domain, zapEnforceDomain: true };
    this.serverSecretKey = cert.secretKey;
    const gauge = metrics.authClientKeys.labels(inputId);
    this.keys = new ClientKeys(security.clientKeys, {
      loaded: (count, reason) => {
        gauge.set(count);
        if (reason !== 'start') metrics.authReloads.labels(inputId, 'ok').inc();
        for (const l of this.keyListeners) l(this.keys.entries());
        log.info({ input: inputId, clientKeys: count, reason }, 'allowed client keys loaded');
      },
      failed: (err) => {
        metrics.authReloads.labels(inputId, 'failed').inc();
        log.error({ input: inputId, err: err.message }, 'allowed client keys not reloaded; the previous keys stay in force');
      },
    });
  }

  /**
   * For an input that answers ZAP itself (the native receive path, native/src/zap.h): `listener` gets the allowed
   * keys now and after every successful reload; the input reports outcomes through counted()/refusedOnce().
   */
  ownHandler(listener: (keys: [string, string][]) => void): void {
    this.ownZap = true;
    this.keyListeners.push(listener);
    listener(this.keys.entries());
  }

  /** Registers the ZAP domain (before the socket binds) and watches the key directory. */
  async start(): Promise<void> {
    if (!this.ownZap) {
      const domain: ZapDomain = {
        nameOf: (key) => this.keys.nameOf(key),
        accepted: () => this.metrics.authAccepted.labels(this.inputId).inc(),
        refused: (reason, key, address) => {
          this.metrics.authRefused.labels(this.inputId, reason).inc();
          this.refusedOnce(reason, key, address);
        },
      };
      await ZapHandler.register(this.domain, domain);
    }
    this.keys.watch();
  }

  /** Adds outcomes an input's own ZAP handler counted: accepted connections and refusals by reason. */
  counted(accepted: number, refused: Readonly<Record<string, number>>, revokedConnections: number): void {
    if (accepted > 0) this.metrics.authAccepted.labels(this.inputId).inc(accepted);
    for (const [reason, n] of Object.entries(refused)) if (n > 0) this.metrics.authRefused.labels(this.inputId, reason).inc(n);
    if (revokedConnections > 0) this.metrics.authRevoked.labels(this.inputId).inc(revokedConnections);
  }

  /** Logs a refusal, once per reason and key (see OncePerKey). */
  refusedOnce(reason: RefusalReason | string, key: Uint8Array | undefined, address: string): void {
    const z85 = key ? z85Encode(key) : '';
    if (this.logged.first(`${reason}\0${z85}`)) {
      this.log.warn({ input: this.inputId, reason, clientKey: z85 || undefined, address }, 'CurveZMQ client refused (logged once per key)');
    }
  }

  reload(reason: string): boolean {
    return this.keys.reload(reason);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.keys.close();
    if (!this.ownZap) await ZapHandler.unregister(this.domain);
  }
}
