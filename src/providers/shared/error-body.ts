import { util } from 'undici';
import type { SwitchyardError } from '../../errors/switchyard-error.js';
import type { HttpFailure, JsonTransport } from './json-transport.js';

/** How much of an error body is read, and for how long: any real one fits; an endless or trickling one is cut, not waited for. */
export const ERROR_BODY_BYTES = 64 * 1024;
export const ERROR_BODY_MS = 2_000;

/**
 * The body of a non-2xx answer, read by an undici dispatch handler (fetchJsonAnswer's,
 * openUpstreamStream's): at most ERROR_BODY_BYTES, within ERROR_BODY_MS. An endless or trickling
 * one is cut (the request aborted, its connection destroyed), not waited for; what came before
 * still says what happened, and so does the status.
 */
export class ErrorBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly abort: (error?: Error) => void;

  /** `abort`: what undici gave the handler's onConnect (always before the answer); it ends the request, which then reaches the handler's onError. */
  constructor(
    private readonly status: number,
    private readonly rawHeaders: Buffer[],
    abort: ((error?: Error) => void) | undefined,
  ) {
    this.abort = abort ?? ignore;
    this.timer = setTimeout(this.abort, ERROR_BODY_MS);
  }

  /** One chunk of the body; the request is cut once ERROR_BODY_BYTES came. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= ERROR_BODY_BYTES) this.abort();
  }

  /** The answer as the wire format's error (through `toError`), once its body ended, was cut or was lost. */
  error(transport: JsonTransport, toError: (failure: HttpFailure) => SwitchyardError): SwitchyardError {
    clearTimeout(this.timer);
    const bodyText = new TextDecoder().decode(Buffer.concat(this.chunks).subarray(0, ERROR_BODY_BYTES));
    const headers = util.parseHeaders(this.rawHeaders);
    return toError({ source: transport.source, status: this.status, headers, bodyText, redact: transport.redact });
  }
}

function ignore(): void {}
