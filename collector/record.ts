// The one canonical record shape every input is normalised into and every sink writes (one NDJSON line each).

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5',
  'local6', 'local7',
] as const;
export type Facility = (typeof FACILITIES)[number];

export interface LogRecord {
  /** Event time (ISO 8601) as the sender stated it, else the time the collector received the record. */
  ts: string;
  /** The collector input that received the record (its config id). */
  input: string;
  /** ZeroMQ topic, when the message carried one. */
  topic?: string;
  severity?: Severity;
  facility?: Facility;
  host?: string;
  /** Application name / syslog tag, without the trailing colon or [pid]. */
  app?: string;
  pid?: string;
  msgid?: string;
  /** The log text. May contain newlines and NUL bytes; never truncated silently. */
  message: string;
  /** The sender's own structured fields (JSON records, RFC 5424 structured data). */
  fields?: Record<string, unknown>;
  /**
   * The name of the CurveZMQ client key that authenticated the connection the record came over (the file name of
   * its public certificate, without `.key`). Set by the collector only, on CURVE inputs; a sender cannot forge it
   * (a `clientKey` in a JSON record stays in `fields`). docs/security.md.
   */
  clientKey?: string;
  /**
   * The ZeroMQ routing id (ZMQ_ROUTING_ID) of the peer that sent the record's batch, on `zmq-router` inputs:
   * printable ASCII as it is, any other id as `0x` + hex (pipeline/chunk.ts routingIdText). With the batch's
   * sequence number it is the native protocol's de-duplication key (docs/protocol.md). Set by the collector only.
   */
  routingId?: string;
  /** Set when the collector had to change the record (e.g. truncated: "truncated", invalid UTF-8 replaced). */
  flags?: string[];
}
