import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { validateCollectorConfig, validateLogServer } from './validators.generated.js';

// The operator's real entry point (dist/operator/main.js) with --help: its static imports load the whole module
// graph before main's body prints the help and exits; a hook lists the CommonJS modules loaded from ajv's
// packages by then.
function ajvModulesLoadedByOperator(): string[] {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { createRequire } from 'node:module'; const r = createRequire(${JSON.stringify(main)});` +
      "process.on('exit', () => process.stderr.write('AJV ' + JSON.stringify(Object.keys(r.cache).filter((k) => /[\\\\/]node_modules[\\\\/]ajv/.test(k))) + '\\n'));",
  )}`;
  const r = spawnSync(process.execPath, ['--import', hook, main, '--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `operator --help failed: ${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith('AJV '));
  assert.ok(line, `no module list in: ${r.stderr}`);
  return JSON.parse(line.slice(4)) as string[];
}

test('the operator loads no schema compiler: its validators are compiled ahead of time (make generate)', () => {
  const loaded = ajvModulesLoadedByOperator();
  // ajv's runtime helpers (deep-equal, ucs2length) and ajv-formats' format functions are what the generated code uses.
  assert.ok(loaded.some((k) => /ajv[\\/]dist[\\/]runtime[\\/]/.test(k)), `the generated validators were not loaded: ${loaded.join(', ')}`);
  const compiler = loaded.filter((k) => /ajv[\\/]dist[\\/](ajv|core|compile[\\/]index|standalone[\\/]index)\.js$/.test(k) || /ajv-formats[\\/]dist[\\/]index\.js$/.test(k));
  assert.deepEqual(compiler, [], 'the operator loaded ajv\'s schema compiler');
});

test('the generated validators apply defaults and report errors as ajv does', () => {
  const doc: { spec: Record<string, unknown> } = { spec: {} };
  assert.equal(validateLogServer(doc), true);
  assert.equal((doc.spec as { replicas: number }).replicas, 1);
  const bad = { spec: { replicas: -1 } };
  assert.equal(validateLogServer(bad), false);
  assert.deepEqual(
    (validateLogServer as unknown as { errors: Array<{ instancePath: string; keyword: string }> }).errors.map((e) => [e.instancePath, e.keyword]),
    [['/spec/replicas', 'minimum']],
  );
  const config: Record<string, unknown> = {};
  assert.equal(validateCollectorConfig(config), true);
  assert.ok(Array.isArray(config.sinks), 'collector defaults filled in');
  assert.equal(validateCollectorConfig({ pipeline: { queue: { maxBytes: 'lots' } } }), false);
});
