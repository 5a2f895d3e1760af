// The `loki` sink: records to the Loki push API of Loki or VictoriaLogs.
import { HttpSink, type HttpProtocol } from '../http/http-sink.js';
import type { SinkContext } from '../sink.js';
import { pushBody } from './push.js';
import type { LokiSinkConfig } from './schema.js';

export function createLokiSink(cfg: LokiSinkConfig, ctx: SinkContext): HttpSink {
  const protocol: HttpProtocol = {
    path: '/loki/api/v1/push',
    contentType: 'application/json',
    // The line is the whole record: tell VictoriaLogs which field is the message (Loki ignores the header).
    headers: { 'VL-Msg-Field': 'message' },
    overheadPerRecord: 40,
    encode: (docs) => pushBody(docs, cfg.labels, cfg.staticLabels),
    // Normally the pipeline's workers build the push streams, a part per chunk beside its NDJSON
    // (http/worker-body.ts); the encoder thread builds the bodies of what they did not (a disk buffer's replay,
    // a retry of some records, a refused request split to find the record the store refuses).
    workerBody: { kind: 'loki', labels: [...cfg.labels], staticLabels: { ...cfg.staticLabels } },
    offThread: { module: new URL('./push.js', import.meta.url).href, factory: 'pushEncoder', params: { labels: cfg.labels, staticLabels: cfg.staticLabels } },
    // A 2xx push response (204) has no per-entry results: the whole request was taken.
    classify: () => ({ kind: 'ok' }),
  };
  return new HttpSink(cfg.id, 'loki', cfg, protocol, ctx);
}
