// Reference points for case (a): the bare receive loops the collector's PULL input can be built on, with no
// pipeline behind them. Binds a PULL socket, prints `{"endpoint":...}`, counts RECORDS messages (or stops
// after QUIET_SECONDS without one), then prints when the last arrived and its own CPU time. The runner puts
// the same pyzmq sender in front of it, so zlog (a) / raw says how much of the ceiling the pipeline keeps.
//   node dist/bench/raw-pull.js RECORDS QUIET_SECONDS [zeromq|native]
//   zeromq: zeromq.js `receive()` per message (case raw); native: the addon's receive thread, which hands
//   over packed chunks of many messages (case rawnative).
import { Pull } from 'zeromq';
import { loadNativeReceive } from '../collector/inputs/zmq/native-receive.js';

const records = Number(process.argv[2]);
const quietMs = Number(process.argv[3] ?? 10) * 1000;
const mode = process.argv[4] ?? 'zeromq';
if (!(records > 0) || !(quietMs > 0) || (mode !== 'zeromq' && mode !== 'native')) {
  console.error('usage: node dist/bench/raw-pull.js RECORDS QUIET_SECONDS [zeromq|native]');
  process.exit(2);
}

function report(n: number, bytes: number): void {
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ received: n, bytes, lastAt: Date.now(), cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
}

if (mode === 'zeromq') {
  const sock = new Pull({ receiveTimeout: quietMs, linger: 0 });
  await sock.bind('tcp://127.0.0.1:*');
  console.log(JSON.stringify({ endpoint: sock.lastEndpoint }));
  let n = 0;
  let bytes = 0;
  try {
    while (n < records) {
      const [frame] = await sock.receive();
      bytes += frame.length;
      n++;
    }
  } catch {
    // receive timed out: the sender stopped early; report what arrived
  }
  report(n, bytes);
  sock.close();
} else {
  const addon = loadNativeReceive();
  if (addon instanceof Error) {
    console.error(`native receive addon not available (run make native): ${addon.message}`);
    process.exit(1);
  }
  let n = 0;
  let bytes = 0;
  let last = Date.now();
  const r = new addon.Receiver({ type: 'pull', inputIndex: 0, receiveHighWaterMark: 1000, maxFrameBytes: 1 << 24, maxMessageBytes: 1 << 24 }, (buf, _len, messages, _frames, b) => {
    n += messages;
    bytes += b;
    last = Date.now();
    if (buf) r.lend(buf);
  });
  console.log(JSON.stringify({ endpoint: r.bind('tcp://127.0.0.1:*') }));
  for (let i = 0; i < 4; i++) r.lend(new ArrayBuffer(1 << 20));
  r.start();
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (n >= records || Date.now() - last > quietMs) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
  const lastAt = last;
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ received: n, bytes, lastAt, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
  r.close();
}
