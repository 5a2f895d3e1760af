// The decoders' public surface: the processor (collector/pipeline/processor.ts) splits each ZeroMQ message into
// record texts and calls decodeRecord per text that is not plain text.
export { mayHaveGluedTopic, MAX_TOPIC_BYTES, splitTopicFrame } from './frames.js';
export { decodeRecord, splitGluedTopic, topicPrefixEnd, type DecodeContext } from './record.js';
export { decodeSyslog, parsePri, type Pri } from './syslog.js';
export { decodeJson, jsonTimeToIso } from './json.js';
export { decodePubHandler, pubHandlerSeverity } from './pubhandler.js';
export { severityFromName, severityFromNumber, severityFromValue, facilityFromValue } from './levels.js';
export { rfc3339ToIso, rfc3164ToIso, epochToIso } from './timestamp.js';
export type { RecordContext } from './context.js';
export { markLongNumbers, stringifyRecord } from './json-numbers.js';
