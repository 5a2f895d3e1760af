// The project's images on the real node: `make images` builds them with buildah; they are exported as
// docker-archive tars (cached per image ID) and imported into the node's containerd, since the node has no
// registry to pull from. Pods run them with imagePullPolicy IfNotPresent (the chart's and operator's
// default) or Never.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './bins.js';
import type { Cluster } from './harness.js';

const run = promisify(execFile);

/** What `make images` tags (scripts/build-images.sh: ghcr.io/zlog/<name>:<package.json version>). */
export async function projectImageRefs(): Promise<{ collector: string; operator: string }> {
  const { readFile } = await import('node:fs/promises');
  const version = (JSON.parse(await readFile(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const prefix = process.env.ZLOG_IMAGE_PREFIX ?? 'ghcr.io/zlog';
  const tag = process.env.ZLOG_IMAGE_TAG ?? version;
  return { collector: `${prefix}/collector:${tag}`, operator: `${prefix}/operator:${tag}` };
}

function imageCache(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'zlog', 'images', 'archives');
}

/** buildah's ID of a local image, or undefined when it is not built. */
async function imageId(ref: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('buildah', ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', ref], { timeout: 60_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A docker-archive tar of a locally built image, made once per image ID. Throws, naming the command that
 * builds it, when the image is not there.
 */
export async function exportImage(ref: string): Promise<string> {
  const id = await imageId(ref);
  if (!id) throw new Error(`image ${ref} is not built; build it with: make images`);
  const dir = imageCache();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}-${id.slice(0, 16)}.tar`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  await run('buildah', ['push', '--quiet', ref, `docker-archive:${tmp}:${ref}`], { timeout: 600_000 });
  renameSync(tmp, file);
  // One archive per image name: the previous builds' go (they are about 300 MB each).
  const stem = `${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}-`;
  for (const f of readdirSync(dir)) if (f.startsWith(stem) && f.endsWith('.tar') && join(dir, f) !== file) rmSync(join(dir, f), { force: true });
  return file;
}

/** Imports locally built images into the cluster's real node, by reference. */
export async function loadImages(cluster: Cluster, refs: string[]): Promise<void> {
  for (const ref of refs) {
    const imported = await cluster.importImage(await exportImage(ref));
    if (!imported.some((r) => r === ref || r === `docker.io/${ref}`)) {
      throw new Error(`importing ${ref} into the node gave ${imported.join(', ') || 'nothing'}`);
    }
  }
}

/** Imports the collector and operator images into the cluster's real node; returns their references. */
export async function loadProjectImages(cluster: Cluster): Promise<{ collector: string; operator: string }> {
  const refs = await projectImageRefs();
  await loadImages(cluster, [refs.collector, refs.operator]);
  return refs;
}

/** The emitter images `make images` builds (Dockerfile.rsyslog-sender, Dockerfile.python-sender), imported. */
export async function loadSenderImages(cluster: Cluster): Promise<{ rsyslog: string; python: string }> {
  const { collector } = await projectImageRefs();
  const refs = { rsyslog: collector.replace('/collector:', '/rsyslog-sender:'), python: collector.replace('/collector:', '/python-sender:') };
  await loadImages(cluster, [refs.rsyslog, refs.python]);
  return refs;
}
