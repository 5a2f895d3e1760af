// Byte-chunk lists (what a sink writes with writev): helpers shared by the file sink and the disk buffer.

/** The chunks after the first `n` bytes (views, no copies): what is left to write after a partial write. */
export function skipBytes(chunks: readonly Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    if (n >= c.byteLength) {
      n -= c.byteLength;
      continue;
    }
    out.push(n > 0 ? c.subarray(n) : c);
    n = 0;
  }
  return out;
}
