// Flag value parsers and the collector URLs subcommands default to. A bad value throws commander's
// InvalidArgumentError, which the program reports as a usage error (exit 2) naming the flag.
import { InvalidArgumentError } from 'commander';
import { ADMIN_PORT } from '../config/schema.js';

export function positiveInt(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

export function positiveSeconds(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0, e.g. 5 or 0.5.');
  return n;
}

/**
 * A ZeroMQ routing id to set (ZMQ_ROUTING_ID): 1-255 bytes, not starting with a 0 byte, which libzmq keeps for
 * the ids it generates itself (zmq_setsockopt(3)).
 */
export function routingIdFlag(raw: string): string {
  const n = Buffer.byteLength(raw);
  if (n < 1 || n > 255 || raw.charCodeAt(0) === 0) throw new InvalidArgumentError('expected 1-255 bytes, not starting with a 0 byte (ZMQ_ROUTING_ID).');
  return raw;
}

export function port(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port 0..65535.');
  return n;
}

export function httpUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InvalidArgumentError('expected an http:// URL, e.g. http://127.0.0.1:9090.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('expected an http:// or https:// URL.');
  return raw;
}

/** Repeatable flags (--set a=1 --set b=2). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The collector's HTTP URL unless --url says otherwise: ZLOG_URL, else ZLOG_HTTP_PORT on 127.0.0.1, else :9090. */
export function defaultUrl(): string {
  return process.env.ZLOG_URL ?? `http://127.0.0.1:${process.env.ZLOG_HTTP_PORT ?? 9090}`;
}

/** GET /status lives on the loopback admin listener (docs/security.md): ZLOG_ADMIN_URL, else ZLOG_ADMIN_PORT, else :9091. */
export function adminUrl(): string {
  return process.env.ZLOG_ADMIN_URL ?? `http://127.0.0.1:${process.env.ZLOG_ADMIN_PORT ?? ADMIN_PORT}`;
}
