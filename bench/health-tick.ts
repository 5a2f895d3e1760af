// CPU cost of one health evaluation (collector/health/monitor.ts tick: cgroup-free readings, event-loop
// histogram, error counters from prom-client, every check, the gauges) on a running collector in this process.
// Prints figures only: `node dist/bench/health-tick.js [ticks]`.
import { Collector } from '../collector/server.js';
import { validateConfig } from '../collector/config/load.js';

const ticks = Number(process.argv[2] ?? 2000);
const cfg = validateConfig({
  inputs: [
    { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
    { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] },
  ],
  sinks: [{ id: 'out', type: 'stdout' }],
  http: { host: '127.0.0.1', port: 0 },
  admin: { host: '127.0.0.1', port: 0 },
  log: { level: 'silent' },
});
const c = new Collector(cfg);
await c.start();
const monitor = (c as unknown as { health: { tick(): Promise<void> } }).health;
for (let i = 0; i < 100; i++) await monitor.tick();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < ticks; i++) await monitor.tick();
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuUsPerTick = (cpu.user + cpu.system) / ticks;
console.log(`health tick: ${ticks} ticks, ${(wallMs * 1000 / ticks).toFixed(1)} us wall and ${cpuUsPerTick.toFixed(1)} us CPU per tick; at the default 1 s interval that is ${(cpuUsPerTick / 1e4).toFixed(4)}% of one core`);
await c.drain();
