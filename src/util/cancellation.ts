/**
 * "The caller gave up", for a request and for each of its model calls. An AbortSignal carries the
 * same news, but on Node 20 one costs about 2 µs to make, always outlives the young generation
 * (about 500 bytes promoted per signal, freed only by a full GC) together with whatever its
 * listeners reach while attached, and its listeners go through EventTarget. Requests and model
 * calls get one of these instead: plain callbacks, and an AbortSignal made only when something
 * asks for one (a retry's wait, a provider that reads `signal`).
 */
export abstract class Cancellation {
  abstract readonly aborted: boolean;
  /** What it was aborted with, when its owner said (a `ShutdownError` when the server stops); undefined otherwise. */
  get reason(): unknown {
    return undefined;
  }
  /** An AbortSignal that aborts with this one. */
  abstract readonly signal: AbortSignal;
  /** Calls `listener` once, when this aborts (never when it already has: check `aborted` first); returns what removes it. */
  abstract onAbort(listener: () => void): () => void;

  /** One that follows an AbortSignal (a library caller's, or a signal made for part of a request). */
  static of(signal: AbortSignal): Cancellation {
    return new SignalCancellation(signal);
  }

  /** Never aborts. */
  static readonly NEVER: Cancellation = new (class extends Cancellation {
    readonly aborted = false;
    private made: AbortSignal | undefined;
    get signal(): AbortSignal {
      return (this.made ??= new AbortController().signal);
    }
    onAbort(): () => void {
      return () => {};
    }
  })();
}

export function toCancellation(value: AbortSignal | Cancellation | undefined): Cancellation {
  if (value === undefined) return Cancellation.NEVER;
  return value instanceof Cancellation ? value : Cancellation.of(value);
}

/** A cancellation its owner triggers: the server's, for a request whose client went away. */
export class CancellationSource extends Cancellation {
  private state = false;
  private why: unknown;
  private listeners: Set<() => void> | undefined;
  private controller: AbortController | undefined;

  get aborted(): boolean {
    return this.state;
  }

  override get reason(): unknown {
    return this.why;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.state) this.controller.abort();
    }
    return this.controller.signal;
  }

  onAbort(listener: () => void): () => void {
    (this.listeners ??= new Set()).add(listener);
    return () => this.listeners?.delete(listener);
  }

  /** The reason is kept here only: the AbortSignal aborts plainly, so code below sees the usual AbortError. */
  abort(reason?: unknown): void {
    if (this.state) return;
    this.state = true;
    this.why = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    this.controller?.abort();
    for (const listener of listeners ?? []) listener();
  }
}

class SignalCancellation extends Cancellation {
  constructor(readonly signal: AbortSignal) {
    super();
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  override get reason(): unknown {
    return this.signal.aborted ? this.signal.reason : undefined;
  }

  onAbort(listener: () => void): () => void {
    this.signal.addEventListener('abort', listener, { once: true });
    return () => this.signal.removeEventListener('abort', listener);
  }
}
