// zlog operator entry point: `node dist/operator/main.js [flags]` (`--help` lists them: operator/args.ts).
// SIGTERM/SIGINT: stop reconciling, release the lease, exit 0.
import { hostname } from 'node:os';
import { pino } from 'pino';
import { parseOperatorArgs } from './args.js';
import { Controller } from './controller/controller.js';
import { Kube } from './controller/kube.js';
import { loadClientConfig } from './controller/kubeconfig.js';
import { LeaderElector } from './leader/lease.js';
import { OperatorMetrics } from './observability/metrics.js';
import { startHealthServer } from './observability/server.js';

const parsed = parseOperatorArgs(process.argv.slice(2), process.env);
if (!parsed.ok) {
  (parsed.exitCode === 0 ? process.stdout : process.stderr).write(parsed.text);
  process.exit(parsed.exitCode);
}
const values = parsed.values;

function positiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`zlog-operator: --${name} must be a non-negative integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
}

const log = pino({ level: values['log-level'], base: { component: 'zlog-operator' } });
const identity = `${hostname()}_${process.pid}`;

async function main(): Promise<void> {
  const kube = await Kube.create(loadClientConfig(values.kubeconfig));
  const metrics = new OperatorMetrics();
  kube.onRequest = (r) => metrics.observeRequest(r);
  const namespace = values.namespace ?? process.env.ZLOG_OPERATOR_NAMESPACE;
  const controller = new Controller({
    kube,
    log,
    metrics,
    namespace,
    workers: positiveInt('workers', values.workers) || 1,
    discoveryPollMs: positiveInt('servicemonitor-poll-seconds', values['servicemonitor-poll-seconds']) * 1000 || 30_000,
    resyncMs: positiveInt('resync-seconds', values['resync-seconds']) * 1000 || 600_000,
    operatorNamespace: process.env.POD_NAMESPACE,
    sinkHealthMs: positiveInt('sink-health-seconds', values['sink-health-seconds']) * 1000 || 30_000,
    instance: identity,
  });
  const leaderElect = values['leader-elect'] && !values['no-leader-elect'];
  let elector: LeaderElector | undefined;
  let started = false;
  const startController = () => {
    started = true;
    metrics.leader.set(1);
    controller.start().catch((err: unknown) => {
      log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'controller failed to start');
      process.exit(1);
    });
  };

  const [host, portText] = splitHostPort(values['metrics-bind-address']);
  // A standby replica is ready (it is healthy and waiting); a leader is ready once its caches are filled.
  const health = await startHealthServer(host, positiveInt('metrics-bind-address port', portText), metrics, () => !started || controller.hasSynced);
  log.info({ port: health.port, identity, namespace: namespace ?? '(all)', leaderElect }, 'zlog operator started');

  if (leaderElect) {
    elector = new LeaderElector({
      kube,
      log,
      namespace: values['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? 'default',
      name: values['leader-election-id'],
      identity,
      ...leaseTimings(),
      onStartedLeading: startController,
      // Caches and in-flight work belong to a leader that no longer is one: exit and let a restart rejoin.
      onStoppedLeading: () => {
        metrics.leader.set(0);
        process.exit(1);
      },
    });
    elector.start();
  } else {
    startController();
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping');
    void (async () => {
      await controller.stop();
      await elector?.stop();
      await health.close();
      kube.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Lease duration, renew deadline and retry period. Unset, the deadline and period scale with the duration in
 * the proportions of the defaults (137/107/26 s), so a short test lease keeps a sane ratio.
 */
function leaseTimings(): { leaseDurationSeconds: number; renewDeadlineMs: number; retryPeriodMs: number } {
  const duration = positiveInt('lease-duration-seconds', values['lease-duration-seconds']);
  const renew = values['lease-renew-deadline-seconds'] !== undefined ? positiveInt('lease-renew-deadline-seconds', values['lease-renew-deadline-seconds']) * 1000 : Math.round((duration * 1000 * 107) / 137);
  const retry = values['lease-retry-period-seconds'] !== undefined ? positiveInt('lease-retry-period-seconds', values['lease-retry-period-seconds']) * 1000 : Math.round((duration * 1000 * 26) / 137);
  if (!(retry < renew && renew < duration * 1000)) {
    process.stderr.write(`zlog-operator: lease timings must satisfy retry period < renew deadline < lease duration (got ${retry / 1000}/${renew / 1000}/${duration} s)\n`);
    process.exit(2);
  }
  return { leaseDurationSeconds: duration, renewDeadlineMs: renew, retryPeriodMs: Math.max(500, retry) };
}

function splitHostPort(addr: string): [string, string] {
  const i = addr.lastIndexOf(':');
  return i < 0 ? ['0.0.0.0', addr] : [addr.slice(0, i) || '0.0.0.0', addr.slice(i + 1)];
}

main().catch((err: unknown) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'zlog operator failed');
  process.exit(1);
});
