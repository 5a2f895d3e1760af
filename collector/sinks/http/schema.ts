// Settings every HTTP sink (elasticsearch, loki) shares: where, how securely, how much per request and how many
// requests at once. No I/O here: the config loader, the operator and the docs generator import it.
import type { FromSchema } from 'json-schema-to-ts';

const mib = 1024 * 1024;

/**
 * The HTTP settings a LogServer entry may set (registry/kind.ts, logServer): all of them. tls and auth name
 * their files as Secret items (HTTP_SECRET_FILES), which the operator mounts; deadLetterPath is a file name in
 * the sink's directory on the data volume (HTTP_DATA_FILES), bounded by deadLetterMaxBytes.
 */
export const HTTP_LOGSERVER_FIELDS = ['endpoint', 'headers', 'query', 'compression', 'batch', 'concurrency', 'timeoutMs', 'tls', 'auth', 'deadLetterPath', 'deadLetterMaxBytes'] as const;
/** File settings a LogServer gives as a file name in the sink's directory on the data volume (registry/kind.ts, dataFiles). */
export const HTTP_DATA_FILES = ['deadLetterPath'] as const;
/** The credential files of tls and auth, offered in a LogServer as Secret items (registry/kind.ts, secretFiles). */
export const HTTP_SECRET_FILES = ['tls.caFile', 'tls.certFile', 'tls.keyFile', 'auth.usernameFile', 'auth.passwordFile', 'auth.bearerTokenFile'] as const;

export const httpSinkProperties = {
  endpoint: {
    type: 'string',
    pattern: '^https?://[^\\s/]+(/[^\\s?#]*)?$',
    description: 'base URL of the store\'s API; the sink appends /_bulk (elasticsearch) or /loki/api/v1/push (loki), e.g. http://victorialogs:9428/insert/elasticsearch',
  },
  headers: {
    type: 'object',
    additionalProperties: { type: 'string' },
    default: {},
    description: 'extra HTTP headers sent with every request',
  },
  query: {
    type: 'object',
    additionalProperties: { type: 'string' },
    default: {},
    description: 'extra URL query parameters sent with every request',
  },
  compression: { enum: ['gzip', 'none'], default: 'gzip', description: 'request body encoding' },
  batch: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description: 'how much one request carries (whichever limit comes first)',
    properties: {
      // At most 100,000: an elasticsearch bulk response with errors names every item (about 170 bytes each), and
      // a response past the transport's 64 MiB bound fails the whole request, which is then resent for ever.
      maxEvents: { type: 'integer', minimum: 1, maximum: 100_000, default: 10_000, description: 'records per request (at most 100,000: a bulk response names every item and must stay under the 64 MiB the sink reads)' },
      maxBytes: { type: 'integer', minimum: 1024, maximum: 256 * mib, default: 8 * mib, description: 'uncompressed body bytes per request' },
    },
  },
  concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4, description: 'requests in flight at once' },
  timeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: 30_000, description: 'per request: until the response headers, and between body chunks' },
  tls: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description: 'how the store\'s certificate is checked, and the client certificate for mutual TLS (https endpoints only)',
    properties: {
      caFile: { type: 'string', minLength: 1, description: 'PEM bundle of the CAs that may sign the store\'s certificate (default: Node\'s bundled roots)' },
      certFile: { type: 'string', minLength: 1, description: 'PEM client certificate (mutual TLS)' },
      keyFile: { type: 'string', minLength: 1, description: 'PEM key of certFile' },
      insecureSkipVerify: { type: 'boolean', default: false, description: 'accept any server certificate (logged as a warning at start); never in production' },
    },
  },
  auth: {
    type: 'object',
    additionalProperties: false,
    description: 'credentials sent with every request: basic auth (usernameFile and passwordFile) or a bearer token',
    properties: {
      usernameFile: { type: 'string', minLength: 1, description: 'file holding the basic-auth user name (e.g. a mounted Secret key)' },
      passwordFile: { type: 'string', minLength: 1, description: 'file holding the basic-auth password' },
      bearerTokenFile: { type: 'string', minLength: 1, description: 'file holding a bearer token (instead of basic auth)' },
    },
  },
  deadLetterPath: {
    type: 'string',
    minLength: 1,
    description: 'NDJSON file that records the store rejected for good are appended to (with the reason); unset: counted and logged only',
  },
  deadLetterMaxBytes: {
    type: 'integer',
    minimum: 4096,
    maximum: 64 * 1024 * mib,
    default: 64 * mib,
    description: 'most bytes deadLetterPath may hold (what is there at start counts); a rejected record that would not fit is counted and logged but not appended',
  },
} as const;

const httpSettingsSchema = { type: 'object', required: ['endpoint'], additionalProperties: false, properties: httpSinkProperties } as const;

/** The HTTP settings of a sink entry, after defaults. */
export type HttpSinkSettings = FromSchema<typeof httpSettingsSchema>;
