// Renders the configuration reference (docs/configuration.md, between the generated-section markers) from the
// JSON Schema and the kind schemas (registry/schemas.ts), so the documentation cannot drift from what the
// collector accepts. Each input and sink kind gets its own section.
import type { KindSpec, KindSpecs } from '../registry/kind.js';
import { BUILTIN_SPECS } from '../registry/schemas.js';
import { configSchema } from './schema.js';
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
  items?: Node;
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

function kindSections(kinds: readonly KindSpec[], list: string, out: string[]): void {
  for (const k of kinds) {
    out.push('', `#### \`${list}[]\` with \`type: ${k.type}\``, '', k.schema.description, '', '| setting | type | default | notes |', '|---|---|---|---|');
    const props = { ...(k.schema.properties as unknown as Record<string, Node>) };
    delete props.type;
    rows(props, `${list}[]`, out, false);
  }
}

export function renderReference(kinds: KindSpecs = BUILTIN_SPECS): string {
  const s = configSchema(kinds) as unknown as { properties: Record<string, Node> };
  const out: string[] = [BEGIN, '', '### Top-level settings', '', '| setting | type | default | notes | environment |', '|---|---|---|---|---|'];
  const top = { ...s.properties };
  const inputs = top.inputs;
  const sinks = top.sinks;
  delete top.inputs;
  delete top.sinks;
  rows(top, '', out, true);
  const kindsLine = (list: readonly KindSpec[]) => list.map((k) => `\`${k.type}\``).join(', ');
  out.push('', '### `inputs[]` (environment: `ZLOG_INPUTS` as JSON)', '', `Every input has an \`id\` and a \`type\` (${kindsLine(kinds.inputs)}); the type decides which other settings it takes.`);
  kindSections(kinds.inputs, 'inputs', out);
  out.push('', `Default inputs: \`${JSON.stringify(inputs.default)}\``);
  out.push('', '### `sinks[]` (environment: `ZLOG_SINKS` as JSON)', '', `Every sink has an \`id\` and a \`type\` (${kindsLine(kinds.sinks)}); the type decides which other settings it takes.`);
  kindSections(kinds.sinks, 'sinks', out);
  out.push('', `Default sinks: \`${JSON.stringify(sinks.default)}\``, '', END);
  return out.join('\n');
}
