// Renders the configuration reference (docs/configuration.md, between the generated-section markers) from the
// JSON Schema, so the documentation cannot drift from what the collector accepts.
import { collectorConfigSchema } from './schema.js';
import { envName } from './load.js';

interface Node {
  type?: string;
  enum?: readonly unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  properties?: Record<string, Node>;
  items?: Node & { allOf?: { then: { properties: Record<string, Node> } }[] };
}

export const BEGIN = '<!-- BEGIN GENERATED: zlog config reference -->';
export const END = '<!-- END GENERATED -->';

function typeOf(n: Node): string {
  if (n.enum) return n.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (n.const !== undefined) return `\`${String(n.const)}\``;
  if (n.type === 'array') return `list of ${n.items?.type === 'string' ? 'string' : n.items?.type ?? 'value'}`;
  return n.type ?? 'value';
}

function constraints(n: Node): string {
  const c: string[] = [];
  if (n.minimum !== undefined) c.push(`≥ ${n.minimum}`);
  if (n.maximum !== undefined) c.push(`≤ ${n.maximum}`);
  if (n.pattern) c.push(`pattern \`${n.pattern.replace(/\|/g, '\\|')}\``);
  return c.join(', ');
}

function rows(props: Record<string, Node>, prefix: string, out: string[], env: boolean): void {
  for (const [k, n] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (n.type === 'object' && n.properties) {
      rows(n.properties, path, out, env);
      continue;
    }
    const def = n.default === undefined ? '' : `\`${JSON.stringify(n.default)}\``;
    const envCol = env ? ` \`${envName(path.split('.'))}\` |` : '';
    out.push(`| \`${path}\` | ${typeOf(n)} | ${def.length > 60 ? 'see below' : def} | ${[n.description ?? '', constraints(n)].filter(Boolean).join('; ')} |${envCol}`);
  }
}

export function renderReference(): string {
  const s = collectorConfigSchema as unknown as { properties: Record<string, Node> };
  const out: string[] = [BEGIN, '', '### Top-level settings', '', '| setting | type | default | notes | environment |', '|---|---|---|---|---|'];
  const top = { ...s.properties };
  const inputs = top.inputs;
  const sinks = top.sinks;
  delete top.inputs;
  delete top.sinks;
  rows(top, '', out, true);
  out.push('', '### `inputs[]` (environment: `ZLOG_INPUTS` as JSON)', '', '| setting | type | default | notes |', '|---|---|---|---|');
  rows(inputs.items?.properties ?? {}, 'inputs[]', out, false);
  out.push('', `Default inputs: \`${JSON.stringify(inputs.default)}\``);
  out.push('', '### `sinks[]` with `type: file` (environment: `ZLOG_SINKS` as JSON)', '', '| setting | type | default | notes |', '|---|---|---|---|');
  rows(sinks.items?.allOf?.[0].then.properties ?? {}, 'sinks[]', out, false);
  out.push('', 'A `type: stdout` sink takes only `id` and `type`.', '', `Default sinks: \`${JSON.stringify(sinks.default)}\``, '', END);
  return out.join('\n');
}
