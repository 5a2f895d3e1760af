// Journey 7: docs/tour-kubernetes.md, run as written. Every ```sh block of the document is run in order with
// bash from the checkout's root, on a cluster like `make dev-cluster`'s (a real node with the project's images),
// with KUBECONFIG and PATH as `.dev-cluster.env` sets them. A block preceded by
// `<!-- tour: needs X -->` is for a cluster that has X (kube-prometheus-stack, ...) and is not run; nothing
// else is skipped. Then the commands helm's NOTES.txt prints are run the same way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { binPath, repoRoot } from '../cluster/bins.js';
import { useCluster, type Cluster } from '../cluster/harness.js';
import { loadProjectImages } from '../cluster/images.js';

export interface TourBlock {
  /** 1-based line of the opening fence. */
  line: number;
  script: string;
  /** Set when the block is marked `<!-- tour: needs ... -->`. */
  needs?: string;
}

/** The ```sh blocks of a Markdown document, in order. */
export function shellBlocks(markdown: string): TourBlock[] {
  const lines = markdown.split('\n');
  const out: TourBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const needs = j >= 0 ? /<!--\s*tour:\s*needs\s+(.+?)\s*-->/.exec(lines[j])?.[1] : undefined;
    const body: string[] = [];
    let k = i + 1;
    for (; k < lines.length && lines[k].trim() !== '```'; k++) body.push(lines[k]);
    if (k >= lines.length) throw new Error(`unterminated \`\`\`sh block at line ${i + 1}`);
    out.push({ line: i + 1, script: body.join('\n'), needs });
    i = k;
  }
  return out;
}

/** The command blocks of helm's NOTES output: runs of lines indented by five spaces, unindented. */
export function notesCommands(notes: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of notes.split('\n')) {
    if (line.startsWith('     ')) cur.push(line.slice(5));
    else if (cur.length) {
      out.push(cur.join('\n'));
      cur = [];
    }
  }
  if (cur.length) out.push(cur.join('\n'));
  return out;
}

function bash(c: Cluster, script: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  const path = [dirname(binPath('kubectl')), dirname(binPath('helm')), process.env.PATH].join(':');
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot(),
      env: { ...process.env, KUBECONFIG: c.kubeconfig, PATH: path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, output });
    });
  });
}

test('docs/tour-kubernetes.md runs as written on a dev cluster, and so do the chart NOTES', { timeout: 1_500_000 }, async (t) => {
  const doc = readFileSync(join(repoRoot(), 'docs/tour-kubernetes.md'), 'utf8');
  const blocks = shellBlocks(doc);
  assert.ok(blocks.filter((b) => !b.needs).length >= 3, 'the tour has its commands in ```sh blocks');
  const c = await useCluster(t, { name: 'tour', realNode: true });
  await loadProjectImages(c);
  let notes = '';
  for (const b of blocks) {
    if (b.needs) continue;
    const r = await bash(c, b.script, 600_000);
    assert.equal(r.code, 0, `docs/tour-kubernetes.md line ${b.line}:\n${b.script}\n--- output ---\n${r.output}`);
    if (/helm (upgrade --)?install/.test(b.script)) notes ||= r.output;
  }
  // NOTES.txt: the commands are the lines indented by five spaces; consecutive ones form one script.
  const commands = notesCommands(notes);
  assert.ok(commands.length > 0, `helm install printed NOTES with commands:\n${notes}`);
  for (const cmd of commands) {
    const r = await bash(c, cmd, 300_000);
    assert.equal(r.code, 0, `NOTES.txt command: ${cmd}\n--- output ---\n${r.output}`);
  }
});
