#!/usr/bin/env node
// zlog: the collector's command line. Exit codes: 0 success, 1 runtime failure (drain incomplete, send
// failed), 2 usage or configuration error, 3 collector unreachable or unhealthy.
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { start } from './start.js';
import { validate } from './validate.js';
import { status, healthCheck } from './probe.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, unhealthy: 3 } as const;

const USAGE = `usage: zlog <command> [options]

commands:
  start          run the collector            [--config FILE] [--set PATH=VALUE ...]
  validate       check a configuration        [--config FILE] [--set PATH=VALUE ...] [--print]
  status         ask a running collector      [--url http://127.0.0.1:9090] [--format json|table]
  health-check   probe /healthz (or /readyz)  [--url URL] [--ready] [--timeout SECONDS]
  send           send stdin lines (one record each) over the native protocol
                                              [--endpoint tcp://127.0.0.1:5557] [--batch N] [--compression auto|none|gzip|deflate|brotli]
  bench          load generator for the native protocol
                                              [--endpoint URL] [--records N] [--size BYTES] [--batch N] [--seconds S]
                                              [--prebuilt: identical pre-encoded batches, measures the collector]

Configuration: defaults < --config YAML < ZLOG_* environment < --set (see docs/configuration.md).`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      set: { type: 'string', multiple: true },
      print: { type: 'boolean' },
      url: { type: 'string' },
      format: { type: 'string' },
      ready: { type: 'boolean' },
      timeout: { type: 'string' },
      endpoint: { type: 'string' },
      batch: { type: 'string' },
      compression: { type: 'string' },
      records: { type: 'string' },
      size: { type: 'string' },
      seconds: { type: 'string' },
      prebuilt: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!cmd || values.help || cmd === 'help') {
    console.log(USAGE);
    return cmd ? EXIT.ok : EXIT.usage;
  }
  const load = { file: values.config, set: values.set, env: process.env };
  switch (cmd) {
    case 'start':
      return start(load);
    case 'validate':
      return validate(load, Boolean(values.print));
    case 'status':
      return status(values.url ?? defaultUrl(), values.format ?? 'table');
    case 'health-check':
      return healthCheck(values.url ?? defaultUrl(), Boolean(values.ready), Number(values.timeout ?? 3));
    case 'send': {
      const { send } = await import('./send.js');
      return send({ endpoint: values.endpoint ?? 'tcp://127.0.0.1:5557', batch: Number(values.batch ?? 1000), compression: values.compression ?? 'auto' });
    }
    case 'bench': {
      const { bench } = await import('./bench.js');
      return bench({
        endpoint: values.endpoint ?? 'tcp://127.0.0.1:5557',
        records: Number(values.records ?? 1_000_000),
        size: Number(values.size ?? 100),
        batch: Number(values.batch ?? 1000),
        seconds: Number(values.seconds ?? 30),
        prebuilt: Boolean(values.prebuilt),
      });
    }
    default:
      console.error(`zlog: unknown command "${cmd}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}

function defaultUrl(): string {
  return process.env.ZLOG_URL ?? `http://127.0.0.1:${process.env.ZLOG_HTTP_PORT ?? 9090}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(`zlog: ${err.message}`);
      process.exitCode = EXIT.usage;
    } else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`zlog: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = EXIT.usage;
    } else {
      console.error(`zlog: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = EXIT.failure;
    }
  },
);
