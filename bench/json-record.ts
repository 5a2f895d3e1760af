// The JSON record of the worker-scaling cases (jw0-jw2, bench/run.ts): a structured log line whose parsing and
// re-serialising is most of what the collector does with it. Besides a few top-level keys it carries an
// object of many short fields (numbers, strings, booleans, in turn) and a short message, rather than one long
// string: a long string is cheap to parse (one scan) and would leave the workers little to do.

/** The i-th record, `size` bytes of ASCII (at least the fixed part, ~60 bytes). */
export function jsonRecord(i: number, size: number): string {
  const head = `{"seq":${i},"level":"info","service":"bench","attrs":{`;
  const fields: string[] = [];
  // Each field is about 14 bytes; stop while the message still has room for a few characters.
  for (let k = 0; ; k++) {
    const v = k % 3 === 0 ? String((i * 31 + k) % 100_000) : k % 3 === 1 ? `"v${k}-${i % 97}"` : k % 2 === 0 ? 'true' : 'false';
    const f = `"f${k}":${v}`;
    if (head.length + fields.join(',').length + f.length + 1 + '},"msg":"m"}'.length + 4 > size) break;
    fields.push(f);
  }
  const body = `${head}${fields.join(',')}},"msg":"`;
  return `${body}${'m'.repeat(Math.max(1, size - body.length - 2))}"}`;
}
