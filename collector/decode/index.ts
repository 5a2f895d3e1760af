// The decoders' public surface: inputs call framesToTexts per ZeroMQ message, then decodeRecord per text.
export { framesToTexts, MAX_TOPIC_BYTES, type FramedTexts } from './frames.js';
export { decodeRecord, splitGluedTopic, type DecodeContext } from './record.js';
export { decodeSyslog, parsePri, type Pri } from './syslog.js';
export { decodeJson, jsonTimeToIso } from './json.js';
export { decodePubHandler, pubHandlerSeverity } from './pubhandler.js';
export { severityFromName, severityFromNumber, severityFromValue, facilityFromValue } from './levels.js';
export { rfc3339ToIso, rfc3164ToIso, epochToIso } from './timestamp.js';
export type { RecordContext } from './context.js';
