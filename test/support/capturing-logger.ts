import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A logger at `info` whose lines (JSON, one per write) are pushed into `lines`, for tests that read what was logged. */
export function capturingLogger(lines: string[]): Logger {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  );
}
