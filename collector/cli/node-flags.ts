// The Node.js flags the collector runs with: the image's ENTRYPOINT (Dockerfile.collector) lists these, and the
// bench and the process tests start the collector with them (bench/run.ts, test/helpers/collector-process.ts),
// so what is measured and tested is what runs. A test checks the Dockerfile against this list.
//
// --max-semi-space-size=2 (MiB per semi-space): V8 sizes the main thread's young generation up to 16 MiB per
// semi-space (32 MiB in all) under the collector's allocation rate, and keeps it; that was 61 of the 176 MiB of
// V8 pages at 1 KiB records against 43 with this flag (docs/architecture.md, "Memory"). It cannot be set from
// inside the process (v8.setFlagsFromString after start left the young generation at 32 MiB).
export const COLLECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
