import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BodyBudget } from './body-budget.js';
import { readBody } from './http-io.js';

// A full collection on demand, to see what a still-open request keeps alive.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('readBody', () => {
  it('does not keep the body alive through the request once read (an open stream holds its request for its whole length)', async () => {
    // What readBody uses of a request: its headers and its events (a real stream's own buffers would blur what is held).
    const request = Object.assign(new EventEmitter(), { headers: {} }) as unknown as IncomingMessage;
    const response = new EventEmitter() as unknown as ServerResponse;
    // In a function of its own, so that nothing of this test's (the promise, a variable) holds the body after it.
    const read = await (async () => {
      const reading = readBody(request, response, { maxBytes: 1 << 20, budget: new BodyBudget(1 << 20) });
      request.emit('data', Buffer.from(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(512) }] })));
      request.emit('end');
      const body = await reading;
      expect(JSON.parse(body.toString()).model).toBe('auto');
      return new WeakRef(body);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(read.deref()).toBeUndefined();
    // The request itself is still alive here, as it is while a stream is open.
    expect(request.listenerCount('error')).toBe(1);
  });
});
