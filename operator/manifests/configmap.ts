// ConfigMap holding the rendered collector configuration, and the hash the pod template carries so that a
// config change rolls the pods.
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { CONFIG_FILE, renderCollectorConfig } from '../api/collector-config.js';
import type { LogServerSpec } from '../api/types.js';
import { childMeta, childNames, type Built, type Owner } from './common.js';

export interface BuiltConfigMap {
  object: Built<V1ConfigMap, 'v1', 'ConfigMap'>;
  configHash: string;
}

/** The collector config file as YAML, and its hash (16 hex digits of sha256). */
export function renderConfig(spec: LogServerSpec): { yaml: string; configHash: string } {
  const yaml = stringify(renderCollectorConfig(spec), { lineWidth: 0 });
  return { yaml, configHash: createHash('sha256').update(yaml).digest('hex').slice(0, 16) };
}

export function buildConfigMap(owner: Owner, spec: LogServerSpec): BuiltConfigMap {
  const { yaml, configHash } = renderConfig(spec);
  return {
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: childMeta(owner, childNames.configMap(owner)), data: { [CONFIG_FILE]: yaml } },
    configHash,
  };
}
