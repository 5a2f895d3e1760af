#!/usr/bin/env node
// zlog: the collector's command line (program.ts). This file only checks the Node.js version first: the rest
// uses APIs an older Node does not have (zlib.crc32 came in 20.15), which would otherwise fail mid-run with
// "zlib.crc32 is not a function". package.json's engines states the same minimum.
const MIN = [20, 15] as const;
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MIN[0] || (major === MIN[0] && minor < MIN[1])) {
  console.error(`zlog: needs Node.js >= ${MIN.join('.')} (it uses zlib.crc32); this is Node.js ${process.versions.node}`);
  process.exit(2);
}
const { run } = await import('./program.js');
process.exitCode = await run(process.argv.slice(2));
