// A small REST client for exactly the calls the operator makes. client-node's generated clients serialise
// through typed models (dropping or reshaping fields of objects they do not know, such as custom resources
// and server-side apply bodies) and default patches to JSON-patch; talking JSON over one keep-alive agent
// avoids both. Server, CA and credentials come from kubeconfig.ts (a kubeconfig file or the in-cluster
// ServiceAccount).
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { type ClientConfig, authHeaders } from './kubeconfig.js';
import { FIELD_MANAGER } from '../manifests/common.js';

/** A kind and where the API serves it; the plural travels with it, so no discovery round trip is needed. */
export interface Resource {
  apiVersion: string;
  kind: string;
  plural: string;
}

export interface ObjectRef extends Resource {
  namespace?: string;
  name?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
}

export interface KubeList<T> {
  metadata: { resourceVersion: string; continue?: string };
  /** null, not [], when the API server has nothing to list (seen for an empty PartialObjectMetadataList). */
  items: T[] | null;
}

export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T } | { type: 'ERROR'; object: { code?: number; message?: string; reason?: string } };

/** A non-2xx answer, with the API server's Status reason and message. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiError && err.statusCode === code;
}

export function resourcePath(ref: ObjectRef, subresource?: string): string {
  const plural = ref.plural;
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  return `${base}${ns}/${plural}${name}${subresource ? `/${subresource}` : ''}`;
}

export function refOf(res: Resource, obj: KubeObject): ObjectRef {
  return { apiVersion: res.apiVersion, kind: res.kind, plural: res.plural, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Abandon the request after this long (not for watches). */
  timeoutMs?: number;
  /** Accept header (default application/json); METADATA_ONLY asks for metadata only. */
  accept?: string;
  /** The verb the request metric records when it is not the HTTP method (LIST: a GET of a collection). */
  verb?: string;
  /** A watch: its own connection pool (below). */
  watch?: boolean;
}

/**
 * Accept headers that make the API server answer lists and watches with metadata only (meta.k8s.io/v1
 * PartialObjectMetadataList and PartialObjectMetadata events): what controller-runtime's metadata-only
 * informers use to know which objects exist without holding their contents.
 */
export const METADATA_ONLY = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
} as const;

const CREDENTIAL_REFRESH_MS = 60_000;

/** One finished API request, for metrics (after client-go's rest_client_requests_total). */
export interface RequestRecord {
  method: string;
  /** The resource (plural) with its subresource, such as `deployments` or `logservers/status`. */
  resource: string;
  /** HTTP status code, or 0 when no answer came (a connection error or a timeout). */
  code: number;
  seconds: number;
  /** Of `seconds`, how long the request waited for a connection of the pool (0 when one was free). */
  socketWaitSeconds: number;
}

/** The resource part of an API path: `/apis/apps/v1/namespaces/a/deployments/b` -> `deployments`. */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const scoped = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  return scoped.length > 2 ? `${scoped[0]}/${scoped[2]}` : (scoped[0] ?? '');
}

type TlsOptions = Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

export class Kube {
  private readonly server: URL;
  private readonly agent: http.Agent;
  private readonly watchAgent: http.Agent;
  private readonly tls: TlsOptions;
  private headersAt = Date.now();
  private headers: Record<string, string>;
  /** Told of every request but watches when it ends (operator/observability/metrics.ts counts them). */
  onRequest: ((r: RequestRecord) => void) | undefined;

  private constructor(private readonly config: ClientConfig) {
    this.server = new URL(config.server);
    this.tls = { ca: config.ca, cert: config.cert, key: config.key, rejectUnauthorized: config.rejectUnauthorized, servername: config.servername };
    this.headers = authHeaders(config);
    this.agent = this.server.protocol === 'http:' ? new http.Agent({ keepAlive: true, maxSockets: 32 }) : new https.Agent({ keepAlive: true, maxSockets: 32, ...this.tls });
    // Each open watch holds an HTTP/1.1 connection for minutes. In the request pool, the operator's ~18 informers
    // left 14 of its 32 sockets to the reconciles (8 workers, up to 4 applies each at once), which then queued
    // in the client. Watches are bounded by the number of informers, so their pool needs no cap of its own.
    this.watchAgent = this.server.protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true, ...this.tls });
  }

  static async create(config: ClientConfig): Promise<Kube> {
    return new Kube(config);
  }

  // Projected ServiceAccount tokens (in-cluster) are rotated by the kubelet: re-read them now and then.
  private async refreshCredentials(): Promise<void> {
    this.headersAt = Date.now();
    this.headers = authHeaders(this.config);
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const u = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  private async open(path: string, o: RequestOptions, socketAt?: (ms: number) => void): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
    const method = o.method ?? 'GET';
    if (Date.now() - this.headersAt > CREDENTIAL_REFRESH_MS) await this.refreshCredentials();
    const headers: Record<string, string> = { ...this.headers, Accept: o.accept ?? 'application/json' };
    let payload: string | undefined;
    if (o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers['Content-Type'] = o.contentType ?? 'application/json';
      // Node frames a body by itself only for methods it expects one on (not DELETE): without a length the
      // API server ignores the DeleteOptions and reads their bytes as the next request on this connection.
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const u = this.url(path, o.query);
    const mod = u.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = mod.request(u, { method, headers, agent: o.watch ? this.watchAgent : this.agent, ...this.tls }, (res) => resolve({ req, res }));
      if (socketAt) req.once('socket', () => socketAt(performance.now()));
      req.on('error', reject);
      if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`kube: ${method} ${path} timed out`)));
      req.end(payload);
    });
  }

  async request<T>(path: string, o: RequestOptions = {}): Promise<T> {
    const started = performance.now();
    let status = 0;
    let socketAt = started;
    try {
      return await this.exchange<T>(path, o, (code) => (status = code), (at) => (socketAt = at));
    } finally {
      this.onRequest?.({
        method: o.verb ?? o.method ?? 'GET',
        resource: resourceOf(path),
        code: status,
        seconds: (performance.now() - started) / 1000,
        socketWaitSeconds: Math.max(0, socketAt - started) / 1000,
      });
    }
  }

  private async exchange<T>(path: string, o: RequestOptions, answered: (code: number) => void, socketAt: (ms: number) => void): Promise<T> {
    const { res } = await this.open(path, { timeoutMs: 30_000, ...o }, socketAt);
    const status = res.statusCode ?? 0;
    answered(status);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (status < 200 || status > 299) {
      let reason = 'Unknown';
      let message = text.slice(0, 500) || `HTTP ${status}`;
      try {
        const s = JSON.parse(text) as { reason?: string; message?: string };
        reason = s.reason ?? reason;
        message = s.message ?? message;
      } catch {
        // not a Status object: keep the raw text
      }
      throw new ApiError(status, reason, `${o.method ?? 'GET'} ${path}: ${status} ${message}`);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  get<T extends KubeObject>(ref: ObjectRef): Promise<T> {
    return this.request<T>(resourcePath(ref));
  }

  list<T extends KubeObject>(ref: ObjectRef, query?: RequestOptions['query'], accept?: string): Promise<KubeList<T>> {
    return this.request<KubeList<T>>(resourcePath(ref), { query, accept, verb: 'LIST' });
  }

  /** Server-side apply with the operator's field manager; force, because the operator owns these fields. */
  apply<T extends KubeObject>(res: Resource, obj: KubeObject, subresource?: string): Promise<T> {
    return this.request<T>(resourcePath(refOf(res, obj), subresource), {
      method: 'PATCH',
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true },
    });
  }

  create<T extends KubeObject>(res: Resource, obj: KubeObject): Promise<T> {
    return this.request<T>(resourcePath({ ...refOf(res, obj), name: undefined }), { method: 'POST', body: obj });
  }

  /** PUT with the object's resourceVersion: fails with 409 when someone else wrote first. */
  replace<T extends KubeObject>(res: Resource, obj: KubeObject): Promise<T> {
    return this.request<T>(resourcePath(refOf(res, obj)), { method: 'PUT', body: obj });
  }

  /** Deletes if present; absent is success. uid, when given, guards against deleting a same-named successor. */
  async delete(ref: ObjectRef, uid?: string): Promise<boolean> {
    try {
      await this.request(resourcePath(ref), {
        method: 'DELETE',
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) },
      });
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw err;
    }
  }

  /**
   * Opens a watch; events arrive on onEvent until the server ends the stream (done(undefined)) or it fails
   * (done(err)). Returns a function that closes it (then done is not called).
   */
  async watch<T>(
    ref: ObjectRef,
    query: RequestOptions['query'],
    onEvent: (e: WatchEvent<T>) => void,
    done: (err?: Error) => void,
    accept?: string,
  ): Promise<() => void> {
    const { req, res } = await this.open(resourcePath(ref), { query: { ...query, watch: true, allowWatchBookmarks: true }, accept, watch: true });
    let closed = false;
    const finish = (err?: Error) => {
      if (closed) return;
      closed = true;
      done(err);
    };
    if (res.statusCode !== 200) {
      res.resume();
      const err = new ApiError(res.statusCode ?? 0, 'WatchFailed', `watch ${resourcePath(ref)}: HTTP ${res.statusCode}`);
      queueMicrotask(() => finish(err));
      return () => undefined;
    }
    const lines = createInterface({ input: res });
    lines.on('line', (line) => {
      if (closed || !line) return;
      let e: WatchEvent<T>;
      try {
        e = JSON.parse(line) as WatchEvent<T>;
      } catch {
        return finish(new Error(`watch ${resourcePath(ref)}: undecodable event`));
      }
      onEvent(e);
    });
    // readline re-emits the response's errors (ECONNRESET when the connection is cut): unhandled, they
    // would take the process down.
    lines.on('error', (err: Error) => finish(err));
    res.on('error', (err) => finish(err));
    res.on('end', () => finish());
    res.on('close', () => finish(res.complete ? undefined : new Error(`watch ${resourcePath(ref)}: connection closed`)));
    return () => {
      closed = true;
      req.destroy();
    };
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}
