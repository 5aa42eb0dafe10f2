import type { MockProviderConfig } from './mock-provider-config.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { MockChatModel } from './mock-chat-model.js';
import { MockScenario } from './mock-scenario.js';
import { tokenCounter } from '../../tokens/token-counter.js';

/**
 * `type: mock`: a rehearsal provider that never leaves the process. Scripted or seeded-random
 * latency, errors and broken streams, so a config's failover can be rehearsed before production.
 */
export function createMockProvider(config: MockProviderConfig): Provider {
  const scenario = new MockScenario(config);
  return {
    name: config.name,
    languageModel(spec: ModelSpec) {
      return new MockChatModel(config.name, spec.name, spec.wireModel, scenario, { reply: config.reply, chunkDelayMs: config.chunkDelayMs });
    },
    // The rehearsal counts its answers' tokens: exact counts from the first request on.
    ready: () => tokenCounter.start(),
    async close() {
      // Nothing to release: no connections.
    },
  };
}
