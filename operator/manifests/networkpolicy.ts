// NetworkPolicy (opt-out, spec.security.networkPolicy): the collector's pods accept traffic on their input ports
// only from the peers the spec names (default: pods of the LogServer's own namespace) and on the metrics port only
// from the LogServer's namespace, the monitoring namespace the spec names and the operator's own namespace (it
// asks the pods for /readyz and /sinks: operator/controller/pod-health.ts, sink-health.ts). Nothing else gets in; egress is left
// alone (sinks may write anywhere). The admin port is loopback-only and needs no rule. Kubelet probes come from
// the node, which NetworkPolicy implementations allow regardless (networking.k8s.io/v1 NetworkPolicy docs).
import type { V1LabelSelector, V1NetworkPolicyPeer, V1NetworkPolicyPort } from '@kubernetes/client-node';
import type { LogServerSpec } from '../api/types.js';
import { childMeta, childNames, selectorLabels, type Built, type Owner } from './common.js';

/** The label every namespace carries with its own name (Kubernetes >= 1.22). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function wantsNetworkPolicy(spec: LogServerSpec): boolean {
  return spec.security.networkPolicy.enabled;
}

/**
 * networking.k8s.io/v1 NetworkPolicy as it goes on the wire. client-node's V1NetworkPolicyIngressRule names the
 * field `_from` (its serializer renames it); the operator applies plain JSON, so the wire name is spelled here.
 */
export interface NetworkPolicyObject {
  spec: {
    podSelector: V1LabelSelector;
    policyTypes: Array<'Ingress' | 'Egress'>;
    ingress: Array<{ from: V1NetworkPolicyPeer[]; ports: V1NetworkPolicyPort[] }>;
  };
}

export function buildNetworkPolicy(owner: Owner, spec: LogServerSpec, operatorNamespace?: string): Built<NetworkPolicyObject, 'networking.k8s.io/v1', 'NetworkPolicy'> {
  const np = spec.security.networkPolicy;
  const ownNamespace: V1NetworkPolicyPeer = { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: owner.namespace } } };
  const inputsFrom = np.inputsFrom && np.inputsFrom.length > 0 ? (np.inputsFrom as V1NetworkPolicyPeer[]) : [ownNamespace];
  const metricsFrom: V1NetworkPolicyPeer[] = [ownNamespace];
  for (const ns of new Set([np.metricsNamespace, operatorNamespace])) {
    if (ns && ns !== owner.namespace) metricsFrom.push({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } } });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMeta(owner, childNames.workload(owner)),
    spec: {
      podSelector: { matchLabels: selectorLabels(owner) },
      policyTypes: ['Ingress'],
      ingress: [
        { from: structuredClone(inputsFrom), ports: spec.inputs.map((i) => ({ protocol: 'TCP', port: i.port })) },
        { from: metricsFrom, ports: [{ protocol: 'TCP', port: spec.metricsPort }] },
      ],
    },
  };
}
