// The operator's command line: one table of flags, from which parsing and `--help` both come.
import { parseArgs } from 'node:util';

// Lease timings are the OpenTelemetry operator's values: a leader rides out an API server restart of well over a minute.
const options = {
  kubeconfig: { type: 'string', help: 'PATH  default $KUBECONFIG, then in-cluster, then ~/.kube/config' },
  namespace: { type: 'string', help: 'NS  watch one namespace (default: all; env ZLOG_OPERATOR_NAMESPACE)' },
  workers: { type: 'string', default: '8', help: 'N  concurrent reconciles (default 8)' },
  'leader-elect': { type: 'boolean', default: true, help: 'take part in leader election (default on)' },
  'no-leader-elect': { type: 'boolean', default: false, help: 'reconcile without a Lease (one replica only)' },
  'leader-election-namespace': { type: 'string', help: 'NS  namespace of the Lease (default: env POD_NAMESPACE, else "default")' },
  'leader-election-id': { type: 'string', default: 'zlog-operator', help: 'NAME  Lease name (default zlog-operator)' },
  'lease-duration-seconds': { type: 'string', default: '137', help: 'N  (default 137)' },
  'lease-renew-deadline-seconds': { type: 'string', help: 'N  a leader that cannot renew for this long steps down (default 107)' },
  'lease-retry-period-seconds': { type: 'string', help: 'N  renew / acquire attempts this often (default 26)' },
  'metrics-bind-address': { type: 'string', default: '0.0.0.0:8080', help: 'HOST:PORT  /metrics /healthz /readyz (default 0.0.0.0:8080; port 0 = any)' },
  'servicemonitor-poll-seconds': { type: 'string', default: '30', help: 'N  how often to look for the ServiceMonitor CRD (default 30)' },
  'resync-seconds': { type: 'string', default: '600', help: 'N  reconcile every LogServer at least this often (default 600)' },
  'sink-health-seconds': { type: 'string', default: '30', help: "N  ask each LogServer's running pods (3 at most) for their sinks' health this often (default 30)" },
  'log-level': { type: 'string', help: 'LEVEL  pino level (default: env LOG_LEVEL, else info)' },
  help: { type: 'boolean', short: 'h', default: false, help: 'show this help' },
} as const;

/** `--help` text: every flag with its argument and default. */
export const OPERATOR_USAGE = [
  'Usage: node dist/operator/main.js [flags]   (the zlog operator; SIGTERM/SIGINT: release the lease, exit 0)',
  '',
  ...Object.entries(options).map(([name, o]) => `  --${name} ${o.help}`),
  '',
].join('\n');

/** Parsed flags (strings as given; numbers are checked where they are used). */
export interface OperatorArgs {
  kubeconfig?: string;
  namespace?: string;
  workers: string;
  'leader-elect': boolean;
  'no-leader-elect': boolean;
  'leader-election-namespace'?: string;
  'leader-election-id': string;
  'lease-duration-seconds': string;
  'lease-renew-deadline-seconds'?: string;
  'lease-retry-period-seconds'?: string;
  'metrics-bind-address': string;
  'servicemonitor-poll-seconds': string;
  'resync-seconds': string;
  'sink-health-seconds': string;
  'log-level': string;
}

/**
 * Parses the operator's argv (without node and the script).
 * Returns the flags, or what to print and the exit code: 0 with the usage for `--help`, 2 with a one-line error
 * naming the flag for an unknown flag, a missing value or a positional argument.
 */
export function parseOperatorArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { ok: true; values: OperatorArgs } | { ok: false; exitCode: 0 | 2; text: string } {
  const parseOptions = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...('short' in o ? { short: o.short } : {}), ...('default' in o ? { default: o.default } : {}) }]),
  ) as Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? O : never) : never;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: parseOptions, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    // node:util's messages name the flag ("Unknown option '--x'", "Option '--workers <value>' argument missing").
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, exitCode: 2, text: `zlog-operator: ${msg}\n(--help lists the flags)\n` };
  }
  if (values.help === true) return { ok: false, exitCode: 0, text: OPERATOR_USAGE };
  delete values.help;
  values['log-level'] ??= env.LOG_LEVEL ?? 'info';
  return { ok: true, values: values as unknown as OperatorArgs };
}
