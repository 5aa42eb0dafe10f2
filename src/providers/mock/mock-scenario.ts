import type { MockFault } from './mock-fault-schema.js';
import type { MockProviderConfig } from './mock-provider-config.js';
import { seededRandom } from '../../util/seeded-random.js';

/** What happens to one call: a fault (or none) and the latency before the first byte. */
export type MockOutcome = { fault: MockFault | undefined; latencyMs: number };

/**
 * The sequence of outcomes of one rehearsal provider: first its script, in order, then faults drawn
 * at random with their rates. Shared by all of the provider's models, so a run is a function of
 * the seed and the order of calls.
 */
export class MockScenario {
  private readonly random: () => number;
  private step = 0;

  constructor(private readonly config: MockProviderConfig) {
    this.random = seededRandom(config.seed);
  }

  next(): MockOutcome {
    const { min, max } = this.config.latencyMs;
    const latencyMs = min + Math.floor(this.random() * (max - min + 1));
    const scripted = this.config.script[this.step];
    if (scripted !== undefined) {
      this.step++;
      return { fault: scripted === 'ok' ? undefined : scripted, latencyMs };
    }
    const draw = this.random();
    let cumulative = 0;
    for (const fault of this.config.faults) {
      cumulative += fault.rate;
      if (draw < cumulative) return { fault, latencyMs };
    }
    return { fault: undefined, latencyMs };
  }
}
