// fast-check arbitraries of LogServer specs that pass the schema and every rule (shared by the unit
// property test of the builders and the control-plane fuzz test).
import fc from 'fast-check';

const portName = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((n) => n !== 'metrics');

const input = (port: number) =>
  fc.record(
    {
      name: portName,
      type: fc.constantFrom('zmq-pull', 'zmq-sub', 'zmq-router'),
      port: fc.constant(port),
      framing: fc.constantFrom('frame', 'lines', 'message'),
      format: fc.constantFrom('auto', 'syslog', 'json', 'text'),
      rcvHwm: fc.integer({ min: 1, max: 100_000 }),
    },
    { requiredKeys: ['name', 'type', 'port'] },
  );

const fileSink = fc.record(
  {
    filename: fc.stringMatching(/^[a-z][a-z0-9.]{0,20}$/),
    rotation: fc.record({ maxBytes: fc.integer({ min: 4096, max: 2 ** 31 }), maxAgeSeconds: fc.integer({ min: 0, max: 86_400 }) }, { requiredKeys: [] }),
    compress: fc.boolean(),
    retention: fc.record({ maxFiles: fc.integer({ min: 1, max: 1000 }), maxAgeSeconds: fc.integer({ min: 0, max: 10 ** 7 }) }, { requiredKeys: [] }),
    fsync: fc.constantFrom('batch', 'interval', 'never'),
  },
  { requiredKeys: [] },
);

const sinks = fc.uniqueArray(
  fc.oneof(
    fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), type: fc.constant('file'), file: fileSink }, { requiredKeys: ['name', 'type'] }),
    fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), type: fc.constant('stdout') }),
  ),
  { minLength: 1, maxLength: 4, selector: (s) => s.name },
);

const labelValue = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,10}[a-z0-9])?$/);
const labels = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), labelValue, { maxKeys: 3 });

export const validSpec = fc
  .record(
    {
      image: fc.constantFrom('ghcr.io/zlog/collector:0.1.0', 'registry.local:5000/zlog/collector@sha256:' + 'a'.repeat(64)),
      imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent', 'Never'),
      replicas: fc.integer({ min: 0, max: 5 }),
      resources: fc.record(
        {
          requests: fc.record({ cpu: fc.constantFrom('100m', '1', 2), memory: fc.constantFrom('256Mi', '1Gi') }),
          limits: fc.record({ memory: fc.constantFrom('1Gi', '2Gi') }),
        },
        { requiredKeys: [] },
      ),
      basePort: fc.integer({ min: 1024, max: 60_000 }),
      inputCount: fc.integer({ min: 1, max: 4 }),
      inputNames: fc.uniqueArray(portName, { minLength: 4, maxLength: 4 }),
      pipeline: fc.record(
        {
          workers: fc.integer({ min: 0, max: 8 }),
          queue: fc.record({ maxRecords: fc.integer({ min: 10 ** 5, max: 10 ** 6 }), maxBytes: fc.integer({ min: 2 ** 22, max: 2 ** 26 }) }, { requiredKeys: [] }),
          batch: fc.record({ maxRecords: fc.integer({ min: 1, max: 10 ** 5 }), maxBytes: fc.integer({ min: 1024, max: 2 ** 22 }), maxDelayMs: fc.integer({ min: 0, max: 60_000 }) }, { requiredKeys: [] }),
          ackMode: fc.constantFrom('received', 'persisted'),
        },
        { requiredKeys: [] },
      ),
      sinks,
      storage: fc.oneof(
        fc.record({ type: fc.constant('emptyDir'), emptyDir: fc.record({ sizeLimit: fc.constantFrom('1Gi', '500Mi') }) }, { requiredKeys: ['type'] }),
        fc.record({ type: fc.constant('persistentVolumeClaim'), persistentVolumeClaim: fc.record({ size: fc.constantFrom('1Gi', '10Gi'), accessModes: fc.constantFrom(['ReadWriteOnce'], ['ReadWriteMany']), retentionPolicy: fc.record({ whenScaled: fc.constantFrom('Retain', 'Delete'), whenDeleted: fc.constantFrom('Retain', 'Delete') }, { requiredKeys: [] }) }, { requiredKeys: ['size'] }) }),
      ),
      drainTimeoutSeconds: fc.integer({ min: 1, max: 600 }),
      logLevel: fc.constantFrom('debug', 'info', 'warn'),
      monitoring: fc.record({ serviceMonitor: fc.record({ enabled: fc.boolean(), labels, interval: fc.constantFrom('15s', '1m') }, { requiredKeys: ['enabled'] }) }),
      podDisruptionBudget: fc.record({ enabled: fc.boolean(), maxUnavailable: fc.integer({ min: 1, max: 3 }) }, { requiredKeys: [] }),
      service: fc.record({ type: fc.constantFrom('ClusterIP', 'NodePort'), annotations: labels }, { requiredKeys: [] }),
      scheduling: fc.record(
        {
          nodeSelector: labels,
          tolerations: fc.array(fc.record({ key: fc.stringMatching(/^[a-z]{1,8}$/), operator: fc.constant('Exists'), effect: fc.constantFrom('NoSchedule', 'NoExecute') }), { maxLength: 2 }),
          topologySpreadConstraints: fc.array(
            fc.record({ maxSkew: fc.integer({ min: 1, max: 3 }), topologyKey: fc.constantFrom('kubernetes.io/hostname', 'topology.kubernetes.io/zone'), whenUnsatisfiable: fc.constantFrom('DoNotSchedule', 'ScheduleAnyway') }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      env: fc.array(fc.record({ name: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/), value: fc.string({ maxLength: 20 }) }), { maxLength: 3 }),
      podAnnotations: labels,
      podLabels: labels,
    },
    { requiredKeys: ['basePort', 'inputCount', 'inputNames'] },
  )
  .chain(({ basePort, inputCount, inputNames, ...rest }) =>
    fc
      .tuple(...Array.from({ length: inputCount }, (_, i) => input(basePort + i)))
      .map((inputs) => ({
        ...rest,
        inputs: inputs.map((inp, i) => ({ ...inp, name: inputNames[i] })),
        metricsPort: basePort + inputCount,
      })),
  );

/** One change that may break a valid spec (or not), for checking that ajv and the API server agree. */
const corruption = fc.oneof(
  fc.record({ replicas: fc.integer({ min: -3, max: 120 }) }),
  fc.record({ imagePullPolicy: fc.constantFrom('Always', 'Sometimes', '') }),
  fc.record({ metricsPort: fc.integer({ min: 0, max: 70_000 }) }),
  fc.record({ drainTimeoutSeconds: fc.integer({ min: -1, max: 4000 }) }),
  fc.record({ inputs: fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'metrics', 'Bad', 'x--y'), type: fc.constantFrom('zmq-pull', 'zmq-sub', 'zmq-tcp'), port: fc.constantFrom(5555, 7000, 0) }), { minLength: 0, maxLength: 3 }) }),
  fc.record({ sinks: fc.array(fc.record({ name: fc.constantFrom('f', 'o', 'F!'), type: fc.constantFrom('file', 'stdout', 'kafka') }, { requiredKeys: ['name'] }), { minLength: 0, maxLength: 2 }) }),
  fc.record({ pipeline: fc.record({ queue: fc.record({ maxBytes: fc.integer({ min: 1000, max: 2 ** 28 }) }), batch: fc.record({ maxBytes: fc.integer({ min: 500, max: 2 ** 28 }) }) }) }),
  fc.record({ resources: fc.record({ limits: fc.record({ memory: fc.constantFrom('64Mi', '1Gi', '10x', 12) }) }) }),
  fc.record({ storage: fc.record({ type: fc.constantFrom('emptyDir', 'persistentVolumeClaim', 'hostPath') }) }),
  fc.record({ monitoring: fc.record({ serviceMonitor: fc.record({ enabled: fc.boolean(), interval: fc.constantFrom('30s', '1h5m', 'soon') }) }) }),
);

/** A valid spec with one top-level field replaced: sometimes still valid, often not. */
export const maybeInvalidSpec = fc.tuple(validSpec, corruption).map(([spec, patch]) => ({ ...spec, ...patch }) as Record<string, unknown>);
