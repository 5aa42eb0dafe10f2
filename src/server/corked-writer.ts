import type { ServerResponse } from 'node:http';
import { write } from './http-io.js';

/**
 * A stream's writer: the events decoded from one upstream read arrive within one turn of the event
 * loop; corked until the turn ends, they leave in one socket write instead of one write each.
 * Returns a promise only when the socket's buffer is full (see `write`).
 */
export function corkedWriter(response: ServerResponse): (text: string) => Promise<void> | undefined {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    response.uncork();
  };
  return (text) => {
    if (!corked) {
      corked = true;
      response.cork();
      process.nextTick(uncork);
    }
    return write(response, text);
  };
}
