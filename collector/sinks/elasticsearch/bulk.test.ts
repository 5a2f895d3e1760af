import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkBody, classifyBulkResponse, renderIndex, parseIndexTemplate } from './bulk.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('bulkBody: one action line per record, a constant index reused, a templated one read from the record', () => {
  const docs = [enc('{"app":"Web","message":"a"}'), enc('{"message":"b"}')];
  assert.equal(bulkBody(docs, 'create', 'zlog').toString(), '{"create":{"_index":"zlog"}}\n{"app":"Web","message":"a"}\n{"create":{"_index":"zlog"}}\n{"message":"b"}\n');
  assert.equal(
    bulkBody(docs, 'index', 'logs-{{app}}').toString(),
    '{"index":{"_index":"logs-web"}}\n{"app":"Web","message":"a"}\n{"index":{"_index":"logs-unknown"}}\n{"message":"b"}\n',
  );
  assert.equal(renderIndex(parseIndexTemplate('x-{{ host }}-{{app}}'), { host: 'a/b c', app: 'Q' }), 'x-a_b_c-q');
});

test('classifyBulkResponse: errors=false is all stored; per-item 429/5xx resent, other failures dead-lettered', () => {
  assert.deepEqual(classifyBulkResponse('{"took":1,"errors":false,"items":[]}', 3), { kind: 'ok' });
  // Read from its start without parsing the items, whichever of took and errors comes first.
  assert.deepEqual(classifyBulkResponse('{"errors":false,"took":2,"items":[{"create":{"status":201}}]}', 3), { kind: 'ok' });
  assert.deepEqual(classifyBulkResponse(' {"took": 5, "ingest_took": 0, "errors": false}', 3), { kind: 'ok' });
  // "errors":false inside an item is not the response's: its top-level errors is true.
  const nested = classifyBulkResponse('{"took":1,"items":[{"create":{"status":201,"errors":false}},{"create":{"status":400,"error":"bad"}}],"errors":true}', 2);
  assert.equal(nested.kind, 'items');
  const body = JSON.stringify({
    errors: true,
    items: [
      { create: { status: 201 } },
      { create: { status: 429, error: { type: 'es_rejected_execution_exception' } } },
      { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } } },
      { index: { status: 503 } },
    ],
  });
  const r = classifyBulkResponse(body, 4);
  assert.equal(r.kind, 'items');
  if (r.kind !== 'items') return;
  assert.deepEqual(r.retry, [1, 3]);
  assert.deepEqual(r.dead.map((d) => d.index), [2]);
  assert.match(r.dead[0].reason, /item status 400: .*mapper_parsing_exception/);
  assert.match(r.retryReason ?? '', /429/);
});

test('classifyBulkResponse: a response it cannot attribute to records resends the whole request, as maybe stored (a 2xx: the store may have applied it)', () => {
  // Not JSON (a body cut short, a proxy's page), no errors/items, an item count that differs: each resend may
  // store the records twice, so zlog_sink_resent_events_total must count them (docs/sinks.md "Duplicates").
  for (const body of ['<html>proxy error</html>', '{"took":3,"errors":false,"items":[{"create":', '{"errors":true,"items":[{"create":{"status":201}}]}', '{}']) {
    const r = classifyBulkResponse(body, 2);
    assert.equal(r.kind, 'retry', body);
    assert.equal(r.kind === 'retry' && r.maybeStored, true, `maybe stored: ${body}`);
  }
});
