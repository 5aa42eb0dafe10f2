import type { SharedBreakers, SharedBreakerSettings } from '../state/shared-breakers.js';
import type { CircuitBreakers } from './circuit-breaker.js';

/**
 * Ties this gateway's breakers to the ones every gateway shares: what happens here is told to the
 * others (`SharedBreakers`), and what they found opens or closes the circuits here.
 */
export function shareCircuitBreakers(breakers: CircuitBreakers, shared: SharedBreakers): void {
  const models: { name: string; settings: SharedBreakerSettings }[] = [];
  for (const [name, breaker] of breakers.entries()) {
    const { settings } = breaker;
    breaker.observer = {
      onOpen: (durationMs) => shared.opened(name, durationMs),
      onClose: () => shared.closed(name),
      onFailure: () => shared.failed(name, settings),
      onSuccess: () => shared.succeeded(name),
    };
    models.push({ name, settings });
  }
  shared.attach(
    {
      openFor: (model, remainingMs) => breakers.get(model)?.openFor(remainingMs),
      closeByPeer: (model) => breakers.get(model)?.closeByPeer(),
    },
    models,
  );
}
