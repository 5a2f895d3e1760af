// Messages captured from the real emitters (test/interop/samples/*.jsonl, copied from the interop capture:
// one ZeroMQ message per line, {"sock","n","t","frames":[{"len","utf8"}]}) as Buffers, for unit tests.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SampleMessage {
  /** Socket the capture received it on: "pull" or "sub". */
  sock: string;
  /** Capture time, used as receivedAt. */
  t: string;
  frames: Buffer[];
}

export type SampleName =
  | 'python-pubhandler-and-push_json'
  | 'rsyslog-omczmq-pub-topicframe'
  | 'rsyslog-omczmq-push-default'
  | 'rsyslog-omczmq-push-json';

interface RawSample {
  sock: string;
  t: string;
  frames: { len: number; utf8: string }[];
}

// Compiled to dist/test/interop/; the .jsonl files stay in the source tree.
const SAMPLES_DIR = fileURLToPath(new URL('../../../test/interop/samples/', import.meta.url));

export function loadSamples(name: SampleName): SampleMessage[] {
  const lines = readFileSync(SAMPLES_DIR + name + '.jsonl', 'utf8').split('\n').filter((l) => l.length > 0);
  return lines.map((line) => {
    const raw = JSON.parse(line) as RawSample;
    const frames = raw.frames.map((f) => {
      const b = Buffer.from(f.utf8, 'utf8');
      if (b.length !== f.len) throw new Error(`sample ${name}: frame length ${b.length} != recorded ${f.len}`);
      return b;
    });
    return { sock: raw.sock, t: raw.t, frames };
  });
}
