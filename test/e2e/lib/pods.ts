// Reading what collector pods wrote, from inside the pods (kubectl exec), for the journeys on the real node.
import type { Readable } from 'node:stream';
import type { Cluster } from '../../cluster/harness.js';
import { list } from './kube.js';

/**
 * A script run by the collector image's node inside a pod: walks the data directory and prints, as JSON,
 * every file's path and the lines in it (decompressing .gz rotations) that contain `marker`.
 */
function countScript(dir: string, marker: string): string {
  return `const fs=require('fs'),p=require('path'),z=require('zlib');const out={};` +
    `const walk=d=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){const f=p.join(d,e.name);` +
    `if(e.isDirectory())walk(f);else if(e.isFile()){let b=fs.readFileSync(f);if(f.endsWith('.gz'))b=z.gunzipSync(b);` +
    `out[f]=b.toString('utf8').split('\\n').filter(l=>l.includes(${JSON.stringify(marker)}));}}};` +
    `try{walk(${JSON.stringify(dir)})}catch(e){if(e.code!=='ENOENT')throw e}console.log(JSON.stringify(out))`;
}

/** Lines containing `marker` in every file under `dir` of one pod's container, by file path. */
export async function linesInPod(c: Cluster, ns: string, pod: string, marker: string, dir = '/var/lib/zlog'): Promise<Record<string, string[]>> {
  const out = await c.kubectlOk(['exec', '-n', ns, pod, '-c', 'collector', '--', 'node', '-e', countScript(dir, marker)], { timeoutMs: 120_000 });
  return JSON.parse(out) as Record<string, string[]>;
}

/** Names of the pods that match a label selector. */
export async function podNames(c: Cluster, ns: string, selector: string): Promise<string[]> {
  return (await list(c, ['get', 'pods', '-n', ns, '-l', selector])).map((p) => p.metadata.name).sort();
}

/**
 * Runs a one-off pod from an image to completion with stdin, as `kubectl run -i --rm --restart=Never`
 * does in the tour (stdin given at once, or streamed while the pod runs); returns its exit code and output (kubectl merges the container's stdout and stderr).
 */
export async function runPod(
  c: Cluster,
  ns: string,
  name: string,
  image: string,
  args: string[],
  input: string | Readable,
  timeoutMs = 240_000,
): Promise<{ code: number; output: string }> {
  const r = await c.kubectl(
    ['run', name, '-n', ns, '-i', '--rm', '--restart=Never', `--image=${image}`, '--image-pull-policy=IfNotPresent',
      `--pod-running-timeout=${Math.round(timeoutMs / 1000)}s`, '--', ...args],
    { input, timeoutMs },
  );
  return { code: r.code, output: r.stdout + r.stderr };
}
