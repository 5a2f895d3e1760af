// The native protocol's TypeScript client: see docs/protocol.md.
export { DeliveryError, ZlogClient, type FailureReason, type SpreadOptions, type ZlogClientOptions, type ZlogClientStats } from './client.js';
export type { LatencySummary } from './latency.js';
