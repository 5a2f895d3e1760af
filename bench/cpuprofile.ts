// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time per function and per source file, so
// "where does the collector spend its time" has an answer in numbers rather than a flame graph to squint at.
//   node dist/bench/cpuprofile.js FILE.cpuprofile [FILE ...] [--top N]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byFunction: Share[];
  byFile: Share[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + 1);
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
}

export function summarise(p: Profile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let total = 0;
  let idle = 0;
  // timeDeltas[i] is the time before sample i; attributing it to sample i is what DevTools does too.
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    if (!n || dt <= 0) continue;
    total += dt;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' && !url) {
      if (functionName === '(idle)') idle += dt;
    }
    const where = shortUrl(url);
    const key = `${functionName || '(anonymous)'} ${where}${url ? ':' + (lineNumber + 1) : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + dt);
    file.set(where, (file.get(where) ?? 0) + dt);
  }
  const rank = (m: Map<string, number>): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((ms / total) * 1000) / 10 }));
  return { totalMs: Math.round(total), idleMs: Math.round(idle), byFunction: rank(fn), byFile: rank(file) };
}

function main(argv: string[]): void {
  let top = 25;
  const files: string[] = [];
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    const usage = 'usage: node dist/bench/cpuprofile.js [--top 25] FILE.cpuprofile ...   (self time per function and per file of node --cpu-prof output)';
    (argv.length ? console.log : console.error)(usage);
    process.exitCode = argv.length ? 0 : 2;
    return;
  }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else files.push(argv[i]);
  }
  for (const f of files) {
    const s = summarise(JSON.parse(readFileSync(f, 'utf8')) as Profile, top);
    console.log(`\n== ${f}: ${s.totalMs} ms sampled, ${s.idleMs} ms idle (${Math.round((s.idleMs / s.totalMs) * 100)}%)`);
    console.log('-- self time by function');
    for (const r of s.byFunction) console.log(`${String(r.ms).padStart(7)} ms ${String(r.percent).padStart(5)}%  ${r.name}`);
    console.log('-- self time by file');
    for (const r of s.byFile) console.log(`${String(r.ms).padStart(7)} ms ${String(r.percent).padStart(5)}%  ${r.name}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
