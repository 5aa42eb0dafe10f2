import { defineProvider } from '../provider-definition.js';
import { MockConfigShape } from './mock-config-schema.js';
import { createMockProvider } from './mock-provider.js';

/** `type: mock`: a rehearsal provider that answers in-process. */
export const mockProvider = defineProvider({
  type: 'mock',
  shape: MockConfigShape,
  resolve(entry, context) {
    const latency = typeof entry.latency_ms === 'number' ? { min: entry.latency_ms, max: entry.latency_ms } : entry.latency_ms;
    if (latency.min > latency.max) context.report('latency_ms', `expected min <= max, found min ${latency.min} and max ${latency.max}`);
    const rates = entry.faults.reduce((sum, fault) => sum + fault.rate, 0);
    if (rates > 1 + 1e-9) context.report('faults', `expected fault rates that add up to at most 1, found ${Number(rates.toFixed(6))}`);
    return {
      type: 'mock',
      upstreamUrl: undefined,
      seed: entry.seed,
      latencyMs: latency,
      chunkDelayMs: entry.chunk_delay_ms,
      reply: entry.reply,
      faults: entry.faults,
      script: entry.script,
    };
  },
  create: createMockProvider,
});
