// Reference point for case (a): the bare zeromq.js receive loop the collector's PULL input is built on, with
// no pipeline behind it. Binds a PULL socket, prints `{"endpoint":...}`, counts RECORDS messages (or stops
// after SECONDS without one), then prints when the last arrived and its own CPU time. The runner puts the
// same pyzmq sender in front of it, so zlog (a) / raw says how much of the ceiling the pipeline keeps.
//   node dist/bench/raw-pull.js RECORDS SECONDS
import { Pull } from 'zeromq';

const records = Number(process.argv[2]);
const quietMs = Number(process.argv[3] ?? 10) * 1000;
if (!(records > 0) || !(quietMs > 0)) {
  console.error('usage: node dist/bench/raw-pull.js RECORDS QUIET_SECONDS');
  process.exit(2);
}
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
const lastAt = Date.now();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ received: n, bytes, lastAt, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
sock.close();
