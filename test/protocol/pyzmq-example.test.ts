// Runs the pyzmq client example from docs/protocol.md, unchanged except for the endpoint, against a real ROUTER
// that decodes with our codec, so the documented example cannot drift from the protocol. Skipped when Debian's
// python3-zmq is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Router } from 'zeromq';
import { ProtocolError } from '../../collector/errors.js';
import { checkMessage, encodeAck, encodeNack, openPayload, sequenceOf } from '../../collector/protocol/index.js';
import { skipUnless } from '../helpers/requirement.js';

const PYTHON = '/usr/bin/python3';
const hasPyzmq = spawnSync(PYTHON, ['-c', 'import zmq'], { stdio: 'ignore' }).status === 0;
const limits = { maxMessageBytes: 8 << 20, maxBatchRecords: 100_000, maxDecompressedBytes: 32 << 20, maxRecordBytes: 1 << 20 };

function docExample(): string {
  const root = process.env.ZLOG_REPO_ROOT ?? new URL('../../../', import.meta.url).pathname;
  const md = readFileSync(`${root}/docs/protocol.md`, 'utf8');
  const m = /```python\n([\s\S]*?)```/.exec(md);
  assert.ok(m, 'docs/protocol.md has a python example');
  return m[1];
}

test('the pyzmq example in docs/protocol.md talks to the codec', { skip: skipUnless(!hasPyzmq && 'python3-zmq not installed (bash scripts/install-system-deps.sh)'), timeout: 30_000 }, async () => {
  const router = new Router({ sendTimeout: 1000, linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const endpoint = router.lastEndpoint!;
  const got: { id: string; seq: bigint; compression: string; records: string[] }[] = [];
  let nackedBusy = false;
  const loop = (async () => {
    try {
      for (;;) {
        const [id, ...frames] = await router.receive();
        try {
          const { header, payload } = checkMessage(frames, limits);
          const records = openPayload(header, payload, limits).toArray().map(String);
          got.push({ id: id.toString(), seq: header.seq, compression: header.compression, records });
          // The first batch is NACKed busy once, so the example's retry path runs too.
          const reply = nackedBusy ? encodeAck(header.seq) : encodeNack(header.seq, 'busy', 'test: retry');
          nackedBusy = true;
          await router.send([id, reply]);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          await router.send([id, encodeNack(sequenceOf(frames), err.reason, err.message)]);
        }
      }
    } catch {
      // The router was closed.
    }
  })();

  const script =
    docExample().replace('tcp://127.0.0.1:5557', endpoint) +
    [
      'send_batch(sock, 2, [\'{"i":%d,"msg":"a line long enough for the batch to be compressed"}\' % i for i in range(200)])',
      'sock.send_multipart([b"ZL\\x07\\x00" + bytes(4) + (42).to_bytes(8, "big") + bytes(12), b""])',
      'print(decode_reply(sock.recv()))',
      'sock.close()',
      'ctx.term()',
    ].join('\n');
  const child = spawn(PYTHON, ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  clearTimeout(timer);
  router.close();
  await loop;

  assert.equal(code, 0, `python exited ${code}: ${err}`);
  assert.match(out, /\(False, 42, 'version', 'unsupported version 7; this server speaks 1'\)/);
  const seqs = got.map((g) => g.seq);
  assert.deepEqual(seqs, [1n, 1n, 2n], 'batch 1 twice (busy, then ACK), then batch 2');
  assert.deepEqual(got[0].records, ['{"level":"info","msg":"hello from python"}', 'plain text line']);
  assert.equal(got[2].compression, 'deflate');
  assert.equal(got[2].records.length, 200);
  assert.match(got[0].id, /^py-[0-9a-f]{16}$/);
});
