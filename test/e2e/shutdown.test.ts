import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../support/fake-openai-upstream.js';
import { openaiClient } from '../support/policy-test-helpers.js';
import { startGateway, testConfig } from '../support/start-gateway.js';

describe('graceful shutdown', () => {
  it('closes connections that carry no request at once, and lets a request in flight finish', async () => {
    const upstream = await startFakeUpstream();
    const running = await startGateway(testConfig(upstream.url));
    const port = Number(new URL(running.url).port);
    // A connection opened and never used: Node's closeIdleConnections leaves it to its keep-alive timeout (65 s).
    const unused = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => unused.once('connect', () => resolve()));
    const unusedClosed = new Promise<void>((resolve) => unused.once('close', () => resolve()));

    upstream.respond({ type: 'completion', text: 'finished', delayMs: 300 });
    const inFlight = openaiClient(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    await new Promise((resolve) => setTimeout(resolve, 100));

    await running.close();
    await unusedClosed;
    expect((await inFlight).choices[0]?.message.content).toBe('finished');
    await upstream.close();
  });
});
