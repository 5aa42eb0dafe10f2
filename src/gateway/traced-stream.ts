import { AbortedError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { StreamPart } from '../spec/stream-part.js';
import type { Cancellation } from '../util/cancellation.js';
import { ClosingIterator, STREAM_DONE } from '../util/closing-iterator.js';

/**
 * A stream's parts passed through, and its trace recorded when it ends, however it ends: `finish`
 * gets what ended it (undefined: it ran to its end). A `ClosingIterator`, not a generator (see
 * there). As with `for await`, a call is made once the one before it has settled.
 */
export class TracedStream extends ClosingIterator<StreamPart> {
  private error: SwitchyardError | undefined;
  private closed = false;

  constructor(
    private readonly parts: AsyncGenerator<StreamPart>,
    private readonly cancellation: Cancellation,
    /** What an error part or a stop means under `cancellation` (an abort the server's shutdown caused is reported as that). */
    private readonly stoppedBy: (cancellation: Cancellation, error: SwitchyardError) => SwitchyardError,
    private readonly finish: (failure: SwitchyardError | undefined) => void,
  ) {
    super();
  }

  next(): Promise<IteratorResult<StreamPart>> {
    if (this.closed) return Promise.resolve(STREAM_DONE);
    return this.parts.next().then(this.read, this.failed);
  }

  private readonly read = (next: IteratorResult<StreamPart>): IteratorResult<StreamPart> | Promise<IteratorResult<StreamPart>> => {
    if (next.done) return this.close(true).then(() => STREAM_DONE);
    const part = next.value;
    if (part.type !== 'error') return { done: false, value: part };
    // Cut by the server's shutdown: the client is told that (and may retry), not that it went away.
    const error = this.stoppedBy(this.cancellation, part.error);
    this.error = error;
    return { done: false, value: error === part.error ? part : { type: 'error', error } };
  };

  protected async close(ended: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!ended) await this.parts.return(undefined);
    this.finish(this.error ?? (ended ? undefined : this.stoppedBy(this.cancellation, new AbortedError('The client disconnected during the stream.'))));
  }
}
