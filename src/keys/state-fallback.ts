import { StateUnavailableError } from '../errors/request-errors.js';
import type { RedisState, StateConcern } from '../state/redis-state.js';

/** What a concern does when Redis cannot answer: serve on this process's own figures, or refuse. */
export type FailureMode = 'open' | 'closed';

/** Told once when a concern starts falling back to this process (not once per request), and once when Redis answers it again. */
export type FallbackListener = (event: { concern: StateConcern; mode: FailureMode; state: 'fallback' | 'shared'; detail: string }) => void;

/**
 * The failure mode of one concern of the shared state: `failed` says whether to fall back (open:
 * counted in `RedisState.countFallback`) or to refuse (closed: the StateUnavailableError goes on),
 * and tells the listener once per outage; `answered` marks Redis back.
 */
export class StateFallback {
  private out = false;

  constructor(
    private readonly state: RedisState,
    private readonly concern: StateConcern,
    private readonly mode: FailureMode,
    private readonly listener: FallbackListener | undefined,
  ) {}

  /** Whether to serve on this process's figures after `error` (rethrown when it is not the state's). */
  failed(error: unknown): boolean {
    if (!(error instanceof StateUnavailableError)) throw error;
    this.state.countFallback(this.concern);
    if (!this.out) {
      this.out = true;
      this.listener?.({ concern: this.concern, mode: this.mode, state: 'fallback', detail: error.message });
    }
    return this.mode === 'open';
  }

  answered(): void {
    if (!this.out) return;
    this.out = false;
    this.listener?.({ concern: this.concern, mode: this.mode, state: 'shared', detail: 'Redis answers again' });
  }
}
