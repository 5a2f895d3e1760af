// The one entry point that turns a record text into a LogRecord, choosing the decoder by the input's format.

import type { RecordFormat } from '../config/types.js';
import type { LogRecord } from '../record.js';
import { stripTrailingNewline, type RecordContext } from './context.js';
import { decodeJson } from './json.js';
import { pubHandlerSeverity } from './pubhandler.js';
import { MAX_TOPIC_BYTES } from './frames.js';
import { decodeSyslog, priEnd } from './syslog.js';

export interface DecodeContext extends RecordContext {
  format: RecordFormat;
  /**
   * The input's SUB subscriptions. Given when the message carried no topic frame, a subscribed prefix glued in
   * front of a syslog or JSON record (omczmq `topics="logs."` without `topicframe`) is split off as the topic.
   */
  topics?: readonly string[];
  /**
   * The input is a SUB socket subscribed to everything (topic ""). Given with topics, any topic-shaped prefix glued
   * in front of a syslog header (`app.events<14>1 2026-...`) is split off as the topic (gluedTopicBeforePri).
   */
  anyTopic?: boolean;
  /** The text's bytes were not valid UTF-8 (the processor checked them): the record gets flag `invalid_utf8`. */
  invalidUtf8?: boolean;
}

/**
 * The subscribed topic glued in front of text, and the record after it; undefined when none is. Only a prefix
 * followed by a syslog `<N>` or a JSON `{` counts: ZeroMQ gives no boundary, and on free text a subscription such
 * as "app" cannot be told from the first letters of "application started". The longest matching topic wins.
 */
export function splitGluedTopic(text: string, topics: readonly string[]): { topic: string; text: string } | undefined {
  let best = '';
  for (const t of topics) {
    if (t.length > best.length && text.startsWith(t) && startsRecord(text, t.length)) best = t;
  }
  return best.length > 0 ? { topic: best, text: text.slice(best.length) } : undefined;
}

/**
 * Index of the first '<' when every character before it is topic-shaped (printable, no space) and it lies
 * within MAX_TOPIC_BYTES; -1 otherwise. Byte twin: processor.ts mayHaveGluedTopic.
 */
export function topicPrefixEnd(text: string): number {
  const n = Math.min(text.length, MAX_TOPIC_BYTES + 1);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3c) return i;
    if (c <= 0x20 || c === 0x7f) return -1;
  }
  return -1;
}

function startsRecord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 0x7b) return true;
  return c === 0x3c && priEnd(i === 0 ? text : text.slice(i, i + 5)) > 0;
}

/**
 * One record text (one frame, line or message, as the processor split it) as a LogRecord. Never throws and never drops:
 * text that does not match the requested format becomes a text record flagged `invalid_json` / `invalid_syslog`.
 * - A topic glued in front of the text is split off: a subscribed prefix before `<N>` or `{` (splitGluedTopic), or
 *   with anyTopic any topic-shaped prefix before a syslog header that parses without flags.
 * - `auto`: JSON when the text starts with '{' and parses as an object, syslog when it starts with `<N>`, else
 *   text. `json` / `syslog` / `text` force one decoder.
 * - One trailing "\n" is cut (emitters terminate records with it); inner newlines and NUL bytes stay.
 * - A record without severity whose topic names a Python level (PUBHandler `[root.]LEVEL[.sub]`) takes it.
 * - ts is the sender's time in UTC ISO 8601 when the text has one, else receivedAt; host falls back to hostname.
 */
export function decodeRecord(text: string, ctx: DecodeContext): LogRecord {
  let body = stripTrailingNewline(text);
  let rctx: RecordContext = ctx;
  if (ctx.topic === undefined && ctx.topics !== undefined && ctx.format !== 'text') {
    const glued = splitGluedTopic(body, ctx.topics);
    if (glued !== undefined) {
      body = glued.text;
      rctx = { input: ctx.input, receivedAt: ctx.receivedAt, topic: glued.topic, hostname: ctx.hostname };
    } else if (ctx.anyTopic === true && ctx.format !== 'json') {
      const lt = topicPrefixEnd(body);
      if (lt > 0 && priEnd(body.slice(lt, lt + 5)) > 0) {
        const topic = body.slice(0, lt);
        const rec = decodeSyslog(body.slice(lt), { input: ctx.input, receivedAt: ctx.receivedAt, topic, hostname: ctx.hostname });
        // Only a header that parses whole makes the prefix a topic; otherwise the text stays as it came.
        if (rec !== undefined && rec.flags === undefined) return finish(rec, ctx, undefined);
      }
    }
  }
  let rec: LogRecord | undefined;
  let flag: string | undefined;
  switch (ctx.format) {
    case 'auto': {
      const c = body.charCodeAt(0);
      if (c === 0x7b) rec = decodeJson(body, rctx);
      else if (c === 0x3c) rec = decodeSyslog(body, rctx);
      break;
    }
    case 'json':
      rec = decodeJson(body, rctx);
      if (rec === undefined) flag = 'invalid_json';
      break;
    case 'syslog':
      rec = decodeSyslog(body, rctx);
      if (rec === undefined) flag = 'invalid_syslog';
      break;
    case 'text':
      break;
  }
  if (rec === undefined) {
    rec = { ts: rctx.receivedAt, input: rctx.input, message: body };
    if (rctx.topic !== undefined) rec.topic = rctx.topic;
    if (rctx.hostname !== undefined) rec.host = rctx.hostname;
  }
  return finish(rec, ctx, flag);
}

function finish(rec: LogRecord, ctx: DecodeContext, flag: string | undefined): LogRecord {
  if (rec.severity === undefined && rec.topic !== undefined) {
    const s = pubHandlerSeverity(rec.topic);
    if (s !== undefined) rec.severity = s;
  }
  if (flag !== undefined) (rec.flags ??= []).push(flag);
  if (ctx.invalidUtf8 === true) (rec.flags ??= []).push('invalid_utf8');
  return rec;
}
