// Which optional child kinds (CHILD_KINDS entries with optional: true) the API server serves right now.
// Polls discovery (readable by every authenticated user, so no extra RBAC) and reports changes both ways, so
// a CRD installed after start-up is picked up and one deleted later stops being watched, without a restart.
import type { Logger } from 'pino';
import { type Kube, type Resource, isStatus } from './kube.js';

export class OptionalApis {
  private readonly available = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    private readonly kinds: readonly Resource[],
    private readonly pollMs: number,
    private readonly onChange: (kind: Resource, available: boolean) => void,
  ) {}

  isAvailable(kind: string): boolean {
    return this.available.get(kind) === true;
  }

  /** Checks now, then every pollMs. */
  async start(): Promise<void> {
    await this.checkAll();
    if (this.kinds.length === 0) return;
    this.timer = setInterval(() => void this.checkAll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.kinds.map((k) => this.check(k)));
  }

  async check(kind: Resource): Promise<boolean> {
    let now: boolean;
    const path = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
    try {
      const list = await this.kube.request<{ resources?: Array<{ name: string }> }>(path, { timeoutMs: 10_000 });
      now = (list.resources ?? []).some((r) => r.name === kind.plural);
    } catch (err) {
      if (!isStatus(err, 404)) {
        this.log.warn({ kind: kind.kind, err: err instanceof Error ? err.message : String(err) }, 'discovery failed; keeping last answer');
        return this.isAvailable(kind.kind);
      }
      now = false;
    }
    if (now !== this.available.get(kind.kind)) {
      this.available.set(kind.kind, now);
      this.log.info({ kind: kind.kind, apiVersion: kind.apiVersion, available: now }, 'optional API availability');
      this.onChange(kind, now);
    }
    return now;
  }
}
