// Reading a file whose path comes from configuration (the config file, key and certificate files, secrets of
// sinks) with a byte cap. A size check before reading is not enough: procfs and sysfs report size 0 for files
// that read without end (/proc/self/pagemap reads hundreds of GB), and a FIFO or device has no size at all.
// So: open without blocking (a FIFO with no writer would block open(2) forever), refuse anything that is not a
// regular file, and read at most `maxBytes` + 1 bytes whatever the file claims.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Caps for the files zlog reads, in bytes. */
export const READ_CAPS = {
  /** The collector's YAML/TOML configuration file. */
  config: 4 * 1024 * 1024,
  /** One czmq zcert certificate (a few hundred bytes in practice). */
  certificate: 64 * 1024,
  /** A CA bundle, client certificate or key, token, user name or password file of a sink. */
  secret: 1024 * 1024,
  /** Small state files zlog writes itself (the disk buffer's cursor). */
  state: 64 * 1024,
  /** Kernel files read for the health checks (/proc/self/mountinfo, cgroup files). */
  kernel: 4 * 1024 * 1024,
} as const;

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
/** Read size: a multiple of 8, as some kernel files demand (/proc/PID/pagemap refuses other sizes with EINVAL). */
const CHUNK = 64 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(path: string, st: Stats): Error {
  return new Error(`${path} is ${kindOf(st)}; expected a regular file`);
}

function tooLarge(path: string, maxBytes: number): Error {
  return new Error(`${path} is larger than ${maxBytes} bytes (the limit for this file)`);
}

/** What has been read of one file so far, in CHUNK-sized pieces, refusing more than `maxBytes` in total. */
class CappedText {
  private readonly parts: Buffer[] = [];
  private n = 0;
  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
  ) {}

  /** A fresh buffer for the next read(2). */
  next(): Buffer {
    return Buffer.allocUnsafe(CHUNK);
  }

  /** Keeps the first `bytesRead` bytes of `chunk`; false at end of file. Throws once past the cap. */
  add(chunk: Buffer, bytesRead: number): boolean {
    if (bytesRead === 0) return false;
    this.n += bytesRead;
    if (this.n > this.maxBytes) throw tooLarge(this.path, this.maxBytes);
    this.parts.push(chunk.subarray(0, bytesRead));
    return true;
  }

  text(): string {
    return Buffer.concat(this.parts, this.n).toString('utf8');
  }
}

/**
 * Reads `path` as UTF-8, synchronously. Throws Error (message names the path) when it cannot be opened, is not
 * a regular file (directory, FIFO, device, socket; symlinks are followed), or holds more than `maxBytes` bytes.
 */
export function readFileBounded(path: string, maxBytes: number): string {
  const fd = openSync(path, FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(path, st);
    const acc = new CappedText(path, maxBytes);
    for (let chunk = acc.next(); acc.add(chunk, readSync(fd, chunk, 0, CHUNK, null)); chunk = acc.next());
    return acc.text();
  } finally {
    closeSync(fd);
  }
}

/** readFileBounded without blocking the event loop. Same errors. */
export async function readFileBoundedAsync(path: string, maxBytes: number): Promise<string> {
  const fh = await open(path, FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notRegular(path, st);
    const acc = new CappedText(path, maxBytes);
    for (let chunk = acc.next(); acc.add(chunk, (await fh.read(chunk, 0, CHUNK, null)).bytesRead); chunk = acc.next());
    return acc.text();
  } finally {
    await fh.close();
  }
}
