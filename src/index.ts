/**
 * Switchyard as a library: the same core the gateway and CLI run on.
 *
 * @example
 * const gateway = await Gateway.create(loadConfigFile('switchyard.yaml'));
 * const request = fromChatCompletionsBody({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }] });
 * const { decision } = await gateway.route(request);
 */
export { Gateway, type CallContext, type GatewayOptions, type GenerateOutcome, type StreamOutcome } from './gateway/gateway.js';
export { RecentTraces, type TraceSink } from './gateway/trace-sink.js';
export { DriftMonitor, type CalibratedLevel, type DriftAlarm, type DriftMonitorOptions, type DriftSettings } from './learning/drift-monitor.js';
export { calibratedLevel } from './gateway/calibrated-level.js';
export type * from './spec/quality-observation.js';
export type * from './spec/quality-reading.js';
export type { EmbedOutcome } from './gateway/gateway-embed.js';
export type { EmbeddingInput, EmbeddingRequest } from './spec/embedding-request.js';
export type { EmbeddingModel, EmbeddingVector, EmbedOptions } from './spec/embedding-model.js';
export type { Moderation, ModerationModel } from './spec/moderation-model.js';
export type { BatchItem, BatchOptions, BatchOutcome, BatchResult } from './gateway/gateway-batch.js';
export { Cancellation, CancellationSource } from './util/cancellation.js';
export { findConfig, loadConfig, loadConfigFile, loadQuickstartConfig, parseConfig, QUICKSTART_CONFIG_PATH } from './config/load-config.js';
export type { ResolvedConfig } from './config/resolved-config.js';
export type { ProviderConfig } from './providers/provider-config.js';
export type { RouterSpec, RouteSpec } from './routing/router-spec.js';
export type { TargetSpec } from './routing/policies/policy-registry.js';
export { Routing, type RoutingHints, type RoutingResult } from './routing/routing.js';
export { createServer, startServer, type RunningServer } from './server/create-server.js';
export { fromChatCompletionsBody, fromMessagesBody, fromResponsesBody } from './server/wire-bodies.js';
export { computeCost } from './cost/compute-cost.js';
export { BUILTIN_CATALOG_SOURCE, BUILTIN_MODELS } from './catalog/builtin-catalog.js';
export { SwitchyardError, type ErrorKind } from './errors/switchyard-error.js';
export { ConfigError, type ConfigIssue } from './errors/config-error.js';
export type { AnySwitchyardError } from './errors/any-switchyard-error.js';
export type * from './spec/chat-request.js';
export type * from './spec/chat-result.js';
export type * from './spec/decision.js';
export type * from './spec/finish-reason.js';
export type * from './spec/language-model.js';
export type * from './spec/model-spec.js';
export type * from './spec/provider.js';
export type * from './spec/stream-part.js';
export type * from './spec/trace.js';
export type * from './spec/usage.js';
export { createChatRequest } from './spec/create-chat-request.js';
