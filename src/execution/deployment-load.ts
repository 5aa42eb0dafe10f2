/**
 * Live load of each deployment, as `loadbalance` reads it: calls in flight, and a smoothed time to
 * first token (for a JSON answer, the time to the whole answer: that is when its first token
 * reaches the client). Fed by every attempt the executor makes; read by routing.
 */
export class DeploymentLoad {
  private readonly inFlightCount = new Map<string, number>();
  private readonly latency = new Map<string, number>();
  /** The other gateways' calls in flight (shared state); undefined: this process's alone. */
  peers: { inFlight(model: string): number } | undefined;

  /**
   * @param alpha Weight of the newest sample in the moving average: 0.2 follows a shift within
   *   a handful of calls without jumping on one slow answer.
   */
  constructor(private readonly alpha = 0.2) {}

  started(model: string): void {
    this.inFlightCount.set(model, (this.inFlightCount.get(model) ?? 0) + 1);
  }

  /** `firstTokenMs` is undefined for a failed call: failures move the circuit breaker, not the average. */
  finished(model: string, firstTokenMs: number | undefined): void {
    const count = (this.inFlightCount.get(model) ?? 1) - 1;
    if (count <= 0) this.inFlightCount.delete(model);
    else this.inFlightCount.set(model, count);
    if (firstTokenMs === undefined) return;
    const previous = this.latency.get(model);
    this.latency.set(model, previous === undefined ? firstTokenMs : previous + this.alpha * (firstTokenMs - previous));
  }

  /** Calls in flight to `model`: this gateway's, and the other gateways' as they last said. */
  inFlight(model: string): number {
    const own = this.inFlightCount.get(model) ?? 0;
    return this.peers ? own + this.peers.inFlight(model) : own;
  }

  /** This gateway's own calls in flight, per deployment with any. */
  snapshot(): Map<string, number> {
    return new Map(this.inFlightCount);
  }

  /** Undefined until the model has answered once. */
  latencyMs(model: string): number | undefined {
    return this.latency.get(model);
  }
}
