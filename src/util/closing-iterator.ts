/** The end of a stream, as `next` answers it: one frozen object for every stream. */
export const STREAM_DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * An async iterator that does its own bookkeeping when it ends, however it ends (`close`): the part
 * of the protocol the stream stages share. A plain iterator instead of an async generator: an open
 * stream then holds only the stage's fields and its one pending read, not a generator's frame,
 * queued request and promises (issue 23's memory per open stream).
 */
export abstract class ClosingIterator<T> implements AsyncGenerator<T> {
  abstract next(): Promise<IteratorResult<T>>;

  /** `ended`: the stream ran to its end; false: it was stopped or failed. Called at most once that matters: it must be idempotent. */
  protected abstract close(ended: boolean): Promise<void>;

  async return(): Promise<IteratorResult<T>> {
    await this.close(false);
    return STREAM_DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    await this.close(false);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** For a read that failed: closes, then fails the same way. */
  protected readonly failed = async (thrown: unknown): Promise<never> => {
    await this.close(false);
    throw thrown;
  };
}
