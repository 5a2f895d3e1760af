// Service exposing every ZeroMQ input and the metrics port, by name.
import type { V1Service } from '@kubernetes/client-node';
import type { LogServerSpec } from '../api/types.js';
import { METRICS_PORT_NAME, childMeta, childNames, selectorLabels, type Built, type Owner } from './common.js';

export function buildService(owner: Owner, spec: LogServerSpec): Built<V1Service, 'v1', 'Service'> {
  const meta = childMeta(owner, childNames.workload(owner));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: spec.service.annotations ? { ...meta, annotations: { ...spec.service.annotations } } : meta,
    spec: {
      type: spec.service.type,
      selector: selectorLabels(owner),
      ports: [
        ...spec.inputs.map((i) => ({ name: i.name, port: i.port, targetPort: i.name, protocol: 'TCP' })),
        { name: METRICS_PORT_NAME, port: spec.metricsPort, targetPort: METRICS_PORT_NAME, protocol: 'TCP' },
      ],
    },
  };
}

/** What clients connect to: the first input on the Service's cluster DNS name. */
export function clientEndpoint(owner: Owner, spec: LogServerSpec): string {
  return `tcp://${childNames.workload(owner)}.${owner.namespace}.svc:${spec.inputs[0].port}`;
}
