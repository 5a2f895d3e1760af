// Every change the API server sends for a list of objects, in order (client-node's Watch on the admin
// kubeconfig). A test replays them to see every intermediate state, where polling could miss a short one.
// (kubectl get --watch buffers its output when not on a terminal, so its last events arrive only at exit.)
import { KubeConfig, Watch } from '@kubernetes/client-node';

export interface WatchEvent<T> {
  type: string;
  object: T;
}

export interface Recorder<T> {
  events(): WatchEvent<T>[];
  stop(): void;
}

/** `path` is the API path of a collection, e.g. /api/v1/namespaces/ns/pods. */
export async function recordWatch<T>(kubeconfig: string, path: string, query: Record<string, string> = {}): Promise<Recorder<T>> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const events: WatchEvent<T>[] = [];
  const req = await new Watch(kc).watch(path, query, (type: string, object: T) => events.push({ type, object }), () => undefined);
  return {
    events: () => [...events],
    stop: () => req.abort(),
  };
}
