import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupPath, findMemoryMount, limitDirs, parseLimit, readCgroupMemoryLimit } from './cgroup.js';

// Shapes of real files: a cgroup-v1 host (this project's machines) and a cgroup-v2 container.
const V1_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const V1_CGROUP = `9:name=systemd:/
4:memory:/process_api/abc
0::/
`;
const V2_MOUNTINFO = `1200 1100 0:29 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate
`;

test('v1: the memory hierarchy wins over the v2 mount, and the path comes from the memory line', () => {
  const m = findMemoryMount(V1_MOUNTINFO);
  assert.deepEqual(m, { version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/' });
  assert.equal(cgroupPath(V1_CGROUP, 1), '/process_api/abc');
  assert.deepEqual(limitDirs(m!, '/process_api/abc'), ['/sys/fs/cgroup/memory/process_api/abc', '/sys/fs/cgroup/memory/process_api', '/sys/fs/cgroup/memory']);
});

test('v2: the unified mount and the 0:: line; a bind-mounted root is stripped', () => {
  const m = findMemoryMount(V2_MOUNTINFO);
  assert.deepEqual(m, { version: 2, mountPoint: '/sys/fs/cgroup', root: '/' });
  assert.equal(cgroupPath('0::/kubepods/pod1/ctr\n', 2), '/kubepods/pod1/ctr');
  assert.deepEqual(limitDirs({ version: 2, mountPoint: '/sys/fs/cgroup', root: '/kubepods/pod1' }, '/kubepods/pod1/ctr'), ['/sys/fs/cgroup/ctr', '/sys/fs/cgroup']);
  assert.equal(findMemoryMount('22 1 0:5 / /proc rw - proc proc rw\n'), null);
});

test('limits: "max" and the v1 page-counter maximum mean none', () => {
  assert.equal(parseLimit('max\n', 2), null);
  assert.equal(parseLimit('536870912\n', 2), 536870912);
  assert.equal(parseLimit('9223372036854771712\n', 1), null);
  assert.equal(parseLimit('268435456\n', 1), 268435456);
  assert.equal(parseLimit('', 1), null);
});

test('readCgroupMemoryLimit takes the smallest limit on the way to the root (v2 tree on disk)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'zlog-cg-'));
  try {
    const proc = join(root, 'proc');
    const cg = join(root, 'cg');
    mkdirSync(proc);
    mkdirSync(join(cg, 'pod', 'ctr'), { recursive: true });
    writeFileSync(join(proc, 'mountinfo'), `1200 1100 0:29 / ${cg} rw - cgroup2 cgroup rw\n`);
    writeFileSync(join(proc, 'cgroup'), '0::/pod/ctr\n');
    writeFileSync(join(cg, 'pod', 'ctr', 'memory.max'), 'max\n');
    writeFileSync(join(cg, 'pod', 'memory.max'), '104857600\n');
    assert.equal(await readCgroupMemoryLimit(proc), 104857600);
    writeFileSync(join(cg, 'pod', 'ctr', 'memory.max'), '52428800\n');
    assert.equal(await readCgroupMemoryLimit(proc), 52428800);
    assert.equal(await readCgroupMemoryLimit(join(root, 'missing')), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
