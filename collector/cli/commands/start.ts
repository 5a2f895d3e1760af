// `zlog start`: runs the collector until SIGTERM/SIGINT or POST /drain, then drains and exits 0 (1 when the
// drain could not write everything in time). A second signal exits at once; a signal before start-up finished
// closes what exists and exits 1. SIGHUP reloads CurveZMQ keys and reopens the output files.
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { CollectorConfig } from '../../config/types.js';
import { createLogger, LOG_FORMATS, type LogFormat } from '../../observability/logger.js';
import { Collector } from '../../server.js';
import { EXIT, exitWith, UsageError, type Subcommand } from '../exit.js';
import { port } from '../flag-values.js';
import { configOptions, loadOptions, type ConfigFlags } from './config-flags.js';

interface StartFlags extends ConfigFlags {
  port?: number;
  metricsPort?: number;
  logLevel?: string;
  logFormat: LogFormat;
}

export const startCommand: Subcommand = {
  register(program: Command) {
    const cmd = program.command('start').description('run the collector until SIGTERM/SIGINT or POST /drain');
    configOptions(cmd)
      .option('--port <port>', 'TCP port of the native (zmq-router) input, same host as configured', port)
      .option('--metrics-port <port>', 'port of /metrics and the probes (http.port); /drain is on the loopback admin port (admin.port)', port)
      .addOption(new Option('--log-level <level>', 'level of the collector\'s own logs (log.level)').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
      .addOption(new Option('--log-format <format>', 'the collector\'s own logs: json for Kubernetes, text for a terminal').choices(LOG_FORMATS).default('json'))
      .action(async (flags: StartFlags, c: Command) => exitWith(c, await start(flags)));
  },
};

/** The configuration `start` runs: the loaded one with the shortcut flags applied. */
export function startConfig(flags: StartFlags): CollectorConfig {
  const set = [...(flags.set ?? [])];
  if (flags.metricsPort !== undefined) set.push(`http.port=${flags.metricsPort}`);
  if (flags.logLevel !== undefined) set.push(`log.level=${flags.logLevel}`);
  const cfg = loadConfig(loadOptions({ ...flags, set }));
  if (flags.port !== undefined) {
    const native = cfg.inputs.filter((i) => i.type === 'zmq-router');
    if (native.length !== 1) throw new UsageError(`--port: the configuration has ${native.length} zmq-router (native) inputs; --port needs exactly one (set its bind with --set instead)`);
    const tcp = native[0].bind.filter((e) => e.startsWith('tcp://'));
    if (tcp.length === 0) throw new UsageError(`--port: input "${native[0].id}" binds no tcp:// endpoint`);
    native[0].bind = native[0].bind.map((e) => (e.startsWith('tcp://') ? e.replace(/:(\*|\d+)$/, `:${flags.port}`) : e));
    // Another input on that port would fail at bind time with a bare EADDRINUSE. One the user configured is a
    // usage error naming it; an embedded default (the origin document's `start --config config.toml --port 5556`
    // meets the default SUB input there) gives way to the explicit flag, with a warning naming it.
    const defaults = new Set(embeddedInputs().map((d) => JSON.stringify(d)));
    const kept = cfg.inputs.filter((other, i) => {
      const clash = other !== native[0] && 'bind' in other ? (other.bind as readonly string[]).find((e) => e.endsWith(`:${flags.port}`)) : undefined;
      if (clash === undefined) return true;
      if (defaults.has(JSON.stringify(other))) {
        console.error(`zlog: warning: --port ${flags.port}: the embedded default input "${other.id}" (${other.type} on ${clash}) is not started; configure inputs to keep it on another port, e.g. --set 'inputs[${i}].bind=["tcp://127.0.0.1:5566"]'`);
        return false;
      }
      throw new UsageError(`--port ${flags.port}: input "${other.id}" (inputs[${i}]) binds ${clash} already; pick another port or move it, e.g. --set 'inputs[${i}].bind=["tcp://127.0.0.1:5566"]'`);
    });
    cfg.inputs = kept;
  }
  return cfg;
}

/**
 * After a drain that POST /drain asked for, how long the process stays up (drained, not ready, inputs closed)
 * waiting for the SIGTERM that follows, in ms: `drain.timeoutSeconds`, at least 5 s. The kubelet runs that
 * request as the pod's preStop hook (an exec in the container) and sends SIGTERM only once the hook's process has
 * ended and the container runtime has reported it; a container that ends before that gets the hook killed and a
 * FailedPreStopHook warning event, although the drain succeeded. A fixed 5 s was not enough on a node under load
 * (a pod pruned while three new ones started got that event in two CI runs). The operator sets the pod's
 * terminationGracePeriodSeconds to the drain timeout + 15 s, so the kubelet's SIGKILL still bounds the wait.
 */
export function postDrainLingerMs(drainTimeoutSeconds: number): number {
  return Math.max(5000, drainTimeoutSeconds * 1000);
}

async function start(flags: StartFlags): Promise<number> {
  const cfg = startConfig(flags);
  const collector = new Collector(cfg, { log: createLogger(cfg.log.level, undefined, flags.logFormat) });
  const { log } = collector;
  let signals = 0;
  let started = false;
  let drainedByRequest = false;
  let endLinger = () => {};
  const onSignal = (sig: NodeJS.Signals) => {
    if (drainedByRequest) {
      log.info({ signal: sig }, 'signal received after the requested drain; exiting');
      endLinger();
      return;
    }
    if (!started) {
      // Nothing was accepted yet, so there is nothing to drain: close what start() opened so far and go. A part
      // that never settles (mkdir under /proc) must not hold the exit, hence the timer.
      log.warn({ signal: sig }, 'signal during start-up; closing what was opened and exiting');
      setTimeout(() => process.exit(EXIT.failure), 2000).unref();
      void collector.close().finally(() => process.exit(EXIT.failure));
      return;
    }
    signals++;
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal: exiting without finishing the drain');
      process.exit(EXIT.failure);
    }
    log.info({ signal: sig }, 'signal received; draining');
    void collector.drain();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP reloads (the allowed CurveZMQ client keys) and reopens output files; it never stops the collector.
  process.on('SIGHUP', () => {
    // Before start() succeeded there is nothing to reload (keys are read at start), and after a failed start the
    // inputs are closed: a reload then threw from a closed receiver and ended the process with a stack trace.
    if (!started) {
      log.warn({ signal: 'SIGHUP' }, 'signal during start-up; nothing to reload');
      return;
    }
    log.info({ signal: 'SIGHUP' }, 'signal received; reloading');
    collector.reload('SIGHUP');
  });
  log.info('collector starting'); // the JSON logger's base already carries pid (a second one made a duplicate key)
  try {
    await collector.start();
    started = true;
  } catch (err) {
    log.fatal({ err }, 'collector failed to start');
    // A part start() opened may keep the event loop alive after close() (seen with a CURVE input whose bind
    // failed: the process stayed up, not ready, for as long as it was left), so the exit does not wait on it.
    setTimeout(() => process.exit(EXIT.failure), 2000).unref();
    await collector.close().catch(() => {});
    return EXIT.failure;
  }
  // Drain is started by a signal or POST /drain; either way the process ends when it finishes.
  const result = await collector.drained;
  if (signals === 0) {
    drainedByRequest = true;
    await new Promise<void>((resolve) => {
      endLinger = resolve;
      // Not unref'd: with the inputs and listeners closed this timer is what keeps the process up.
      setTimeout(resolve, postDrainLingerMs(cfg.drain.timeoutSeconds));
    });
  }
  // Give a pending POST /drain response a moment to leave before the process goes.
  setTimeout(() => process.exit(result.ok ? EXIT.ok : EXIT.failure), 50).unref();
  return result.ok ? EXIT.ok : EXIT.failure;
}


/** The inputs of the embedded defaults, each as the validated config holds it. */
function embeddedInputs(): CollectorConfig['inputs'] {
  return loadConfig({ env: {} }).inputs;
}
