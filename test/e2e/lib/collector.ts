// Reading what a collector's file sink wrote, rotated and gzipped files included (the collector itself is
// started by test/helpers/collector-process.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The `message` of every record the file sink wrote under dataDir (current and rotated, gzipped or not). */
export function readSinkMessages(dataDir: string): string[] {
  const messages: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dataDir);
  } catch {
    return messages;
  }
  for (const name of names.sort()) {
    const raw = readFileSync(join(dataDir, name));
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as { message?: unknown };
      if (typeof rec.message === 'string') messages.push(rec.message);
    }
  }
  return messages;
}
