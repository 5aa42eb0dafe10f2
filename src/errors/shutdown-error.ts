import { SwitchyardError } from './switchyard-error.js';

/**
 * The gateway is stopping: a request that arrived while it drains, or one still running when the
 * shutdown grace ran out. Retryable: another instance (or this one, restarted) will answer it.
 */
export class ShutdownError extends SwitchyardError {
  readonly kind = 'shutdown';
  constructor(message: string) {
    super(message, { retryable: true });
  }
}
