import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Trace } from '../../src/spec/trace.js';
import { defaultReply, startFakeUpstream, type FakeUpstream, type FakeUsage } from './fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from './start-gateway.js';

export type ClientTestGateway = {
  readonly upstream: FakeUpstream;
  readonly running: TestGateway;
  /** The trace of the request the gateway served last. */
  lastTrace(): Trace;
};

/**
 * For a client's end-to-end test file: registers the hooks that start a gateway (`testConfig`,
 * gateway key `key`) over a fake Chat Completions upstream, and before each test forget the
 * recorded requests and answer every request with the model's default reply and `usage`.
 */
export function useClientTestGateway(key: string, usage: FakeUsage): ClientTestGateway {
  let upstream: FakeUpstream | undefined;
  let running: TestGateway | undefined;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    running = await startGateway(testConfig(upstream.url, `server:\n  api_keys: ["${key}"]\n`));
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    const fake = started(upstream);
    fake.requests.length = 0;
    fake.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])), usage }));
  });
  return {
    get upstream() {
      return started(upstream);
    },
    get running() {
      return started(running);
    },
    lastTrace() {
      const trace = started(running).gateway.traces.list()[0];
      if (!trace) throw new Error('no trace');
      return trace;
    },
  };
}

function started<Value>(value: Value | undefined): Value {
  if (value === undefined) throw new Error('the test gateway is not started: use it inside a test');
  return value;
}
