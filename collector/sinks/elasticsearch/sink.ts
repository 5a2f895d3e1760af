// The `elasticsearch` sink: records to the bulk API of Elasticsearch, OpenSearch or VictoriaLogs.
import { HttpSink, type HttpProtocol } from '../http/http-sink.js';
import type { SinkContext } from '../sink.js';
import { bulkBody, classifyBulkResponse } from './bulk.js';
import type { ElasticsearchSinkConfig } from './schema.js';

export function createElasticsearchSink(cfg: ElasticsearchSinkConfig, ctx: SinkContext): HttpSink {
  const protocol: HttpProtocol = {
    path: '/_bulk',
    contentType: 'application/x-ndjson',
    // zlog records carry the text in `message` and the time in `ts`: tell VictoriaLogs (Elasticsearch ignores
    // these headers). https://docs.victoriametrics.com/victorialogs/data-ingestion/#http-headers
    headers: {
      'VL-Msg-Field': 'message',
      'VL-Time-Field': 'ts',
      ...(cfg.streamFields.length ? { 'VL-Stream-Fields': cfg.streamFields.join(',') } : {}),
    },
    overheadPerRecord: 2 + cfg.index.length + 24,
    // Built here, not on an encoder thread: a bulk body is the records with an action line each (one copy), and
    // the thread only added a copy in and a serial gzip (0.76 of the direct loader at 100 B against 1.10 built
    // here with the gzip on libuv's pool, in one run). The transport gzips through zlib's async API.
    encode: (docs) => bulkBody(docs, cfg.action, cfg.index),
    // Normally the pipeline's workers build the body, a part per chunk beside its NDJSON (http/worker-body.ts);
    // encode() is for what they did not (a disk buffer's replay, a retry of some records, a refused request
    // split to find the record the store refuses).
    workerBody: { kind: 'bulk', action: cfg.action, index: cfg.index },
    classify: (res, count) => classifyBulkResponse(res.body, count),
  };
  return new HttpSink(cfg.id, 'elasticsearch', cfg, protocol, ctx);
}
