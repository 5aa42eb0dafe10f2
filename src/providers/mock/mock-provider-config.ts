import type { ProviderBase } from '../../spec/provider.js';
import type { MockFault, MockRandomFault } from './mock-fault-schema.js';

/** A rehearsal provider: answers in-process with scripted or seeded-random latency and faults. */
export type MockProviderConfig = ProviderBase & {
  type: 'mock';
  seed: number;
  latencyMs: { min: number; max: number };
  chunkDelayMs: number;
  reply: string | undefined;
  faults: readonly MockRandomFault[];
  script: readonly ('ok' | MockFault)[];
};
