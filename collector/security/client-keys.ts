// The allowed CurveZMQ client keys of one input, read from a directory of public certificates (one file per
// key; the key's name is the file name without `.key`) or from one certificate file. Kubernetes mounts a Secret or
// ConfigMap as such a directory (files plus `..data` symlinks, which are skipped as dotfiles).
//
// reload() swaps the whole set at once and only when every file parsed, so a half-written rotation never narrows
// or widens the set by accident: the previous set stays in force and the error is reported.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { readFileBounded } from '../util/read-bounded.js';
import { keyNameOf, parseCertificate, SECRET_SUFFIX } from './zcert.js';
import { z85Decode } from './z85.js';

/** Most key files one input reads; a directory with more is refused (bounds memory and reload time). */
export const MAX_CLIENT_KEYS = 10_000;
/** Largest certificate file read; a zcert is a few hundred bytes. */
const MAX_CERT_BYTES = 64 * 1024;

export interface KeySet {
  /** Binary public key (hex, 64 characters) -> key name. */
  readonly byKey: ReadonlyMap<string, string>;
}

/** Reads every public certificate under `path` (directory or file). Throws Error naming the file at fault. */
export function readKeySet(path: string): KeySet {
  let files: string[];
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new Error(`client keys ${path}: ${(err as Error).message}`);
  }
  if (st.isDirectory()) {
    files = readdirSync(path)
      .filter((f) => !f.startsWith('.') && !f.endsWith(SECRET_SUFFIX))
      .sort()
      .map((f) => join(path, f))
      .filter((f) => statSync(f).isFile());
    if (files.length > MAX_CLIENT_KEYS) throw new Error(`client keys ${path}: ${files.length} files, more than the ${MAX_CLIENT_KEYS} allowed`);
  } else {
    files = [path];
  }
  const byKey = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileBounded(file, MAX_CERT_BYTES);
    } catch (err) {
      throw new Error(`client key ${file}: ${(err as Error).message}; not a certificate`);
    }
    const cert = parseCertificate(text, `client key ${file}`);
    if (cert.secretKey !== undefined) throw new Error(`client key ${file}: holds a secret key; give the collector the public certificate (NAME.key) only`);
    const hex = z85Decode(cert.publicKey).toString('hex');
    const name = keyNameOf(basename(file));
    const prev = byKey.get(hex);
    if (prev !== undefined) throw new Error(`client key ${file}: the same key as ${prev}; one name per key`);
    byKey.set(hex, name);
  }
  return { byKey };
}

export interface ClientKeysEvents {
  /** After a successful (re)load: how many keys are allowed now. */
  loaded(count: number, reason: string): void;
  /** A reload failed; the previous set stays. */
  failed(err: Error): void;
}

/** The live allow-list of one input: initial load (throws), reload on demand and on changes under `path`. */
export class ClientKeys {
  private set: KeySet;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly path: string,
    private readonly events: ClientKeysEvents,
  ) {
    this.set = readKeySet(path);
    events.loaded(this.set.byKey.size, 'start');
  }

  /** The name of an allowed key (32 bytes), or undefined. */
  nameOf(publicKey: Uint8Array): string | undefined {
    return this.set.byKey.get(Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex'));
  }

  /** The allowed keys now: [hex, name] pairs (what the native receiver's setClientKeys takes). */
  entries(): [string, string][] {
    return [...this.set.byKey];
  }

  get size(): number {
    return this.set.byKey.size;
  }

  /** Reads the keys again; keeps the previous set when anything is wrong. Returns whether the new set is in force. */
  reload(reason: string): boolean {
    try {
      this.set = readKeySet(this.path);
    } catch (err) {
      this.events.failed(err as Error);
      return false;
    }
    this.events.loaded(this.set.byKey.size, reason);
    return true;
  }

  /**
   * Reloads after changes under the path, debounced (a Secret update replaces the `..data` symlink; an editor
   * writes several events). The directory is watched, not each file, so added and removed keys are seen.
   */
  watch(debounceMs = 200): void {
    if (this.watcher) return;
    const dir = statSync(this.path).isDirectory() ? this.path : join(this.path, '..');
    this.watcher = watch(dir, { persistent: false }, () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload('change'), debounceMs);
      this.timer.unref();
    });
    this.watcher.on('error', (err) => this.events.failed(err));
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
