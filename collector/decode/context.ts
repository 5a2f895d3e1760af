// What every format decoder needs to know about a record besides its text, and small helpers they share.

/** Where and when a record arrived; the decoders fill LogRecord fields the text does not carry from it. */
export interface RecordContext {
  /** Input id (LogRecord.input). */
  input: string;
  /** ISO 8601 receive time: the record's ts when the text states none. */
  receivedAt: string;
  /** ZeroMQ topic the message carried (topic frame or glued prefix). */
  topic?: string;
  /** Host written into records that name none. */
  hostname?: string;
}

/**
 * Sets obj[key] as an own data property. A plain assignment of "__proto__" would replace the prototype instead of
 * storing the sender's field, so that one key goes through defineProperty.
 */
export function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The text without one trailing "\n" (or "\r\n"): emitters end records with it, it is not part of the message. */
export function stripTrailingNewline(text: string): string {
  const n = text.length;
  if (n === 0 || text.charCodeAt(n - 1) !== 10) return text;
  return text.slice(0, n >= 2 && text.charCodeAt(n - 2) === 13 ? n - 2 : n - 1);
}

/** Splits a syslog tag `app[pid]` / `app[pid]:` / `app:` into app and pid. */
export function splitTag(tag: string): { app?: string; pid?: string } {
  let end = tag.length;
  if (end > 0 && tag.charCodeAt(end - 1) === 58) end--; // ':'
  if (end > 0 && tag.charCodeAt(end - 1) === 93) { // ']'
    const open = tag.lastIndexOf('[', end - 1);
    if (open > 0) return { app: tag.slice(0, open), pid: tag.slice(open + 1, end - 1) };
  }
  return end > 0 ? { app: end === tag.length ? tag : tag.slice(0, end) } : {};
}
