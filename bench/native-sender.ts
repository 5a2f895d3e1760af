// Load for bench cases (b) and (c): runBench (the `zlog bench` load generator over ZlogClient) in its own
// process, so the collector and its client do not share an event loop. Prints one JSON line: runBench's result
// plus the wall-clock time just before the first record, which the runner needs to time "first record sent"
// to "last record in the file" against the collector's own counters.
//   node dist/bench/native-sender.js ENDPOINT RECORDS SIZE BATCH SECONDS [prebuilt|prebuilt-json|client] [CLIENT_SECRET_CERT SERVER_PUBLIC_CERT]
// With the two certificates the client speaks CurveZMQ.
import { runBench, runBenchPrebuilt } from '../collector/cli/bench.js';
import { curveFromFiles } from '../collector/security/client-curve.js';
import { jsonRecord } from './json-record.js';

const [endpoint, records, size, batch, seconds, mode, clientCert, serverCert] = process.argv.slice(2);
const curve = clientCert && serverCert ? curveFromFiles(clientCert, serverCert) : undefined;
const opts = { endpoint, records: Number(records), size: Number(size), batch: Number(batch), seconds: Number(seconds) };
for (const [k, v] of Object.entries(opts)) {
  if (k !== 'endpoint' && k !== 'curve' && !(Number(v) > 0)) {
    console.error(`native-sender: ${k} must be a positive number, not "${String(v)}"`);
    process.exit(2);
  }
}
const startedAt = Date.now();
// mode "prebuilt": identical pre-encoded batches, so the sender costs next to nothing (case bp); "prebuilt-json":
// the same with JSON records whose parsing dominates the collector's work (cases jw0-jw2).
const result =
  mode === 'prebuilt' || mode === 'prebuilt-json' ? await runBenchPrebuilt({ ...opts, curve, record: mode === 'prebuilt-json' ? jsonRecord : undefined }) : await runBench({ ...opts, curve });
const cpu = process.cpuUsage();
console.log(JSON.stringify({ startedAt, cpuSeconds: (cpu.user + cpu.system) / 1e6, ...result }));
process.exitCode = result.failed > 0 ? 1 : 0;
