import { Cancellation } from '../../src/util/cancellation.js';

/** A cancellation that never aborts and counts the listeners still attached to it (a call must let go of its own). */
export class CountingCancellation extends Cancellation {
  readonly aborted = false;
  attached = 0;
  get signal(): AbortSignal {
    return Cancellation.NEVER.signal;
  }
  onAbort(): () => void {
    this.attached++;
    return () => void this.attached--;
  }
}
