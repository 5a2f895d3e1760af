// `zlog start`: runs the collector until SIGTERM/SIGINT or POST /drain, then drains and exits 0 (1 when the
// drain could not write everything in time). A second signal exits at once.
import { loadConfig, type LoadOptions } from '../config/load.js';
import { Collector } from '../server.js';

export async function start(load: LoadOptions): Promise<number> {
  const cfg = loadConfig(load);
  const collector = new Collector(cfg);
  const { log } = collector;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    log.info({ signal: sig }, 'signal received; draining');
    void collector.drain();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await collector.start();
  } catch (err) {
    log.fatal({ err }, 'collector failed to start');
    await collector.close().catch(() => {});
    return 1;
  }
  // Drain is started by a signal or POST /drain; either way the process ends when it finishes.
  const result = await collector.drained;
  // Give a pending POST /drain response a moment to leave before the process goes.
  setTimeout(() => process.exit(result.ok ? 0 : 1), 50).unref();
  return result.ok ? 0 : 1;
}
