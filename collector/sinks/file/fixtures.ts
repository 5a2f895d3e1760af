// The file sink's config as its tests use it: what the config loader makes of `{ id: 'file', type: 'file',
// path, ...over }`, so the defaults are the kind schema's own (no hand copy to drift) and a test names only
// what it changes. Throws ConfigError on an override the schema refuses.
import { validateConfig } from '../../config/load.js';
import type { FileSinkConfig } from './schema.js';

export function fileSinkConfig(path: string, over: Partial<FileSinkConfig> = {}): FileSinkConfig {
  return validateConfig({ sinks: [{ id: 'file', type: 'file', path, ...over }] }).sinks[0] as FileSinkConfig;
}
