import type { Trace } from './trace.js';

/** Where finished traces go. Must not block: called on the request path. */
export interface TraceSink {
  record(trace: Trace): void;
}
