// JSON Schema of a ZeroMQ input's `security` block, and the rule JSON Schema does not say plainly (curve needs
// both files). No I/O: inputs/zmq/schema.ts spreads it into every ZeroMQ input kind.
export const inputSecuritySchema = {
  type: 'object',
  additionalProperties: false,
  default: { mode: 'none' },
  description: 'CurveZMQ authentication and encryption of this input (docs/security.md)',
  properties: {
    mode: { enum: ['none', 'curve'], default: 'none', description: 'curve: only clients whose public key is allowed connect, and traffic is encrypted' },
    serverKeyFile: { type: 'string', minLength: 1, description: "curve: the server's secret certificate (czmq zcert, e.g. server.key_secret from zlog keygen)" },
    clientKeys: { type: 'string', minLength: 1, description: 'curve: directory of allowed client public certificates (NAME.key; NAME names the client), or one such file; reloaded on SIGHUP and on change' },
  },
} as const;

/** The `security` block after defaults (mode is always set then). */
export interface InputSecurity {
  readonly mode?: 'none' | 'curve';
  readonly serverKeyFile?: string;
  readonly clientKeys?: string;
}

/** A curve block with both files, as InputCurve takes it. */
export interface CurveSecurity {
  readonly mode: 'curve';
  readonly serverKeyFile: string;
  readonly clientKeys: string;
}

export function isCurve(s: InputSecurity | undefined): s is CurveSecurity {
  return s?.mode === 'curve' && s.serverKeyFile !== undefined && s.clientKeys !== undefined;
}

/** Configuration errors of a security block, each naming the field (`path` is e.g. `inputs[0].security`). */
export function securityIssues(s: InputSecurity | undefined, path: string): string[] {
  if (s?.mode !== 'curve') {
    const stray = (['serverKeyFile', 'clientKeys'] as const).filter((k) => s?.[k] !== undefined);
    return stray.map((k) => `${path}.${k}: only used with mode: curve (mode is ${s?.mode ?? 'none'})`);
  }
  return (['serverKeyFile', 'clientKeys'] as const).filter((k) => s[k] === undefined).map((k) => `${path}.${k}: required with mode: curve`);
}
