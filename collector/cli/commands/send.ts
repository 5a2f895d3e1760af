// `zlog send`: every stdin line becomes one record sent over the native protocol; exits when all are
// acknowledged (0) or when any batch failed for good (1, with the reason). A collector that does not answer
// within --timeout is reported with the connection's cause (ECONNREFUSED, ...) instead of silent retries.
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { DeliveryError, ZlogClient, type ZlogClientStats } from '../../client/client.js';
import type { CompressionChoice } from '../../protocol/compression.js';
import { EXIT, exitWith, type Subcommand } from '../exit.js';
import { positiveInt, positiveSeconds, routingIdFlag } from '../flag-values.js';
import { progress } from '../progress.js';
import { tcpProbe } from '../reach.js';
import { curveFromFlags, curveOptions, type CurveFlags } from './curve-flags.js';
import { zmqEndpoint } from './endpoint.js';

interface Flags extends CurveFlags {
  endpoint: string;
  batch: number;
  compression: CompressionChoice;
  timeout: number;
  spread?: boolean;
  routingId?: string;
}

export const sendCommand: Subcommand = {
  register(program: Command) {
    curveOptions(program.command('send')).description('send stdin lines (one record each) over the native protocol; exit 0 when all are acknowledged')
      .option('--endpoint <endpoint>', 'the collector\'s native input (tcp://HOST:PORT, ipc://PATH)', zmqEndpoint, 'tcp://127.0.0.1:5557')
      .option('--batch <records>', 'records per batch', positiveInt, 1000)
      .addOption(new Option('--compression <codec>', 'batch compression').choices(['auto', 'none', 'gzip', 'deflate', 'brotli']).default('auto'))
      .option('--timeout <seconds>', 'give up on a batch not acknowledged this long after it was first sent; the first such batch ends the run (exit 1)', positiveSeconds, 10)
      .option('--routing-id <id>', 'this sender\'s ZeroMQ routing id, written on its records as routingId (default: random per run)', routingIdFlag)
      .option('--spread', 'connect to every address the endpoint\'s name resolves to (a headless Service), resolve again every 10 s, spread batches over them')
      .action(async (flags: Flags, c: Command) => exitWith(c, await send(flags)));
  },
};

async function send(o: Flags): Promise<number> {
  const timeoutMs = o.timeout * 1000;
  const client = new ZlogClient({
    maxBatchRecords: o.batch,
    compression: o.compression,
    deliveryTimeoutMs: Math.round(timeoutMs),
    ackTimeoutMs: Math.round(Math.min(5000, Math.max(100, timeoutMs / 3))),
    closeTimeoutMs: Math.round(timeoutMs),
    curve: curveFromFlags(o),
    routingId: o.routingId,
  });
  if (o.spread) {
    try {
      await client.connectAll(o.endpoint);
    } catch (err) {
      console.error(`zlog send: --spread ${o.endpoint}: ${(err as Error).message}`);
      await client.close(0);
      return EXIT.failure;
    }
  } else {
    client.connect(o.endpoint);
  }
  const shown = progress('zlog send');
  const pending: Promise<void>[] = [];
  let failed: Error | undefined;
  // A batch that got no answer within --timeout: the collector is down or unreachable, and every later batch
  // would wait as long (at 10,000 records a round, a 100,000-line input took ten timeouts to fail). The exit
  // status is 1 either way, so stop reading and drop what is not yet acknowledged.
  let timedOut = false;
  let lines = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line === '') continue;
    lines++;
    const p = client.send(line).catch((err: Error) => {
      failed ??= err;
      if (err instanceof DeliveryError && err.reason === 'timeout') timedOut = true;
    });
    // Keep memory flat on huge inputs: only the newest promises are held.
    pending.push(p);
    if (pending.length >= 10_000) await Promise.all(pending.splice(0));
    if (timedOut) break;
    if ((lines & 1023) === 0) shown.update(client.stats.ackedRecords);
  }
  if (timedOut) {
    await client.close(0);
    await Promise.all(pending);
  } else {
    await client.flush().catch((err: Error) => {
      failed ??= err;
    });
    await Promise.all(pending);
    await client.close();
  }
  shown.done();
  const s = client.stats;
  // The records carry the id the user asked for only while the collector accepted it: say when they do not.
  if (s.routingIdChanges > 0) console.error(routingIdChanged(o.routingId, client.routingId, s.routingIdChanges));
  if (failed) {
    const cause = s.ackedRecords === 0 ? await whyNothingArrived(o, s) : undefined;
    const stopped = timedOut ? `; stopped reading stdin after ${lines} records: a batch got no answer within --timeout ${o.timeout} s` : '';
    console.error(`zlog send: ${s.ackedRecords} of ${lines} records acknowledged by ${o.endpoint}; failed: ${failed.message}${cause ? `; ${cause}` : ''}${stopped}`);
    return EXIT.failure;
  }
  console.error(`zlog send: ${s.ackedRecords} records acknowledged by ${o.endpoint} in ${s.ackedBatches} ${s.ackedBatches === 1 ? 'batch' : 'batches'} (${s.retries} retries)`);
  return EXIT.ok;
}


/**
 * The line `zlog send` prints when its ZlogClient gave up a routing id the collector kept refusing (another
 * connection held it) and continued under a fresh one (ZlogClient option routingIdWaitMs, docs/protocol.md
 * "Routing ids"): records acknowledged after the change carry `current` as routingId, not the id asked for.
 */
export function routingIdChanged(asked: string | undefined, current: string, changes: number): string {
  const was = asked === undefined ? 'its random routing id' : `routing id '${asked}'`;
  return `zlog send: ${was} was refused by the collector (another connection holds it), so the records were sent under the fresh id '${current}'${changes > 1 ? ` (${changes} changes)` : ''} and carry it as routingId (docs/protocol.md, "Routing ids")`;
}
/**
 * Why no record was acknowledged, in the terms an operator searches for: the TCP connection's error
 * (ECONNREFUSED), or, with CurveZMQ, that the server refused the client key (ZAP status 400, libzmq's
 * ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) or never completed the handshake (a wrong --server-key, or no CURVE there).
 */
async function whyNothingArrived(o: Flags, s: ZlogClientStats): Promise<string | undefined> {
  const tcp = await tcpProbe(o.endpoint, 1000);
  if (tcp !== undefined) return tcp;
  const f = s.lastHandshakeFailure;
  if (f?.kind === 'auth') return `the server refused the CurveZMQ handshake (${f.message}): its allowed client keys do not include this --client-key`;
  if (f && o.clientKey !== undefined) return `the CurveZMQ handshake with ${f.endpoint} failed (${f.message}): is --server-key the server's public key, and does the input use CurveZMQ?`;
  if (f) return `the ZMTP handshake with ${f.endpoint} failed (${f.message}): does the input expect CurveZMQ (--client-key, --server-key)?`;
  if (o.clientKey !== undefined && s.handshakes === 0) {
    return 'the TCP connection opened but the CurveZMQ handshake never completed: the server refused this --client-key, or --server-key is not its public key, or the input does not use CurveZMQ';
  }
  return undefined;
}
