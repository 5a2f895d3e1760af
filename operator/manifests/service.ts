// The Service exposing every ZeroMQ input and the metrics port by name, for clients that do not care which pod
// they reach; and, with per-replica storage, the headless Service that gives each pod its own DNS name.
import type { V1Service } from '@kubernetes/client-node';
import type { LogServerSpec } from '../api/types.js';
import { HEADLESS_LABEL, METRICS_PORT_NAME, childMeta, childNames, selectorLabels, type Built, type Owner } from './common.js';

export function buildService(owner: Owner, spec: LogServerSpec): Built<V1Service, 'v1', 'Service'> {
  const meta = childMeta(owner, childNames.workload(owner));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: spec.service.annotations ? { ...meta, annotations: { ...spec.service.annotations } } : meta,
    spec: {
      type: spec.service.type,
      selector: selectorLabels(owner),
      ports: servicePorts(spec),
    },
  };
}

function servicePorts(spec: LogServerSpec) {
  return [
    ...spec.inputs.map((i) => ({ name: i.name, port: i.port, targetPort: i.name, protocol: 'TCP' })),
    { name: METRICS_PORT_NAME, port: spec.metricsPort, targetPort: METRICS_PORT_NAME, protocol: 'TCP' },
  ];
}

/**
 * The StatefulSet's governing Service (clusterIP None): <pod>.<name>-headless.<namespace>.svc names one replica,
 * for a client that wants a given pod. Only ready pods are published, as for the client Service. Labelled so the
 * ServiceMonitor, which scrapes through the client Service, does not scrape every pod twice.
 */
export function buildHeadlessService(owner: Owner, spec: LogServerSpec): Built<V1Service, 'v1', 'Service'> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(owner, childNames.headless(owner), { [HEADLESS_LABEL]: 'true' }),
    spec: {
      clusterIP: 'None',
      selector: selectorLabels(owner),
      ports: servicePorts(spec),
    },
  };
}

/** What clients connect to: the first input on the Service's cluster DNS name. */
export function clientEndpoint(owner: Owner, spec: LogServerSpec): string {
  return `tcp://${childNames.workload(owner)}.${owner.namespace}.svc:${spec.inputs[0].port}`;
}
