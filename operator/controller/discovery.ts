// Whether the ServiceMonitor API is served. Polls discovery (readable by every authenticated user, so no
// extra RBAC) and reports changes, so a CRD installed after start-up is noticed without a restart.
import type { Logger } from 'pino';
import { type Kube, isStatus } from './kube.js';

export class ServiceMonitorApi {
  private available: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly onChange: (available: boolean) => void,
  ) {}

  get isAvailable(): boolean {
    return this.available === true;
  }

  /** Checks now, then every pollMs. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<boolean> {
    let now: boolean;
    try {
      const list = await this.kube.request<{ resources?: Array<{ name: string }> }>('/apis/monitoring.coreos.com/v1');
      now = (list.resources ?? []).some((r) => r.name === 'servicemonitors');
    } catch (err) {
      if (!isStatus(err, 404)) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'ServiceMonitor discovery failed; keeping last answer');
        return this.isAvailable;
      }
      now = false;
    }
    if (now !== this.available) {
      this.available = now;
      this.log.info({ available: now }, 'ServiceMonitor API availability');
      this.onChange(now);
    }
    return now;
  }
}
