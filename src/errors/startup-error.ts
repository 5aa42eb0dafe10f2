import { SwitchyardError } from './switchyard-error.js';

/**
 * The gateway cannot start (or reload) with a config that passed validation: an encoder without an
 * embeddings endpoint, examples that cannot be embedded, a trace store written by a newer version.
 * Not retryable: the same config fails the same way until the operator changes something.
 */
export class StartupError extends SwitchyardError {
  readonly kind = 'startup';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}
