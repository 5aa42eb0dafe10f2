// The benchmark's parsing proxy (bench/gateway/parsing-proxy.mjs) does the work the independent
// harness's proxy does, or its CPU per request is not the floor that harness measures against.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type ReceivedRequest } from '../support/fake-http-server.js';

const PROXY = join(import.meta.dirname, '../../bench/gateway/parsing-proxy.mjs');

describe('the parsing proxy', () => {
  const received: ReceivedRequest[] = [];
  let releaseStream: () => void = () => {};
  let upstream: Awaited<ReturnType<typeof startFakeHttpServer>>;
  let proxy: ChildProcess;
  let url: string;

  beforeAll(async () => {
    upstream = await startFakeHttpServer(async (request, response) => {
      received.push(request);
      if (request.body?.['stream'] === true) {
        // The first event, then the rest only once the client has seen it: a proxy that held the answer would never finish.
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: first\n\n');
        await new Promise<void>((resolve) => (releaseStream = resolve));
        response.end('data: [DONE]\n\n');
        return;
      }
      const body = JSON.stringify({ answered: true });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-upstream': 'yes' });
      response.end(body);
    });
    proxy = spawn(process.execPath, [PROXY, upstream.origin], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve) => proxy.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  });
  afterAll(async () => {
    releaseStream();
    proxy.kill();
    await upstream.close();
  });

  it('sends the body on parsed and serialised again, with the request headers but the hop-by-hop ones', async () => {
    received.length = 0;
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k', 'x-trace': 't1', te: 'trailers' },
      body: '{ "model": "m",\n  "messages": [ ] }',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.json()).toEqual({ answered: true });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.text).toBe('{"model":"m","messages":[]}');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers['authorization']).toBe('Bearer k');
    expect(request?.headers['x-trace']).toBe('t1');
    expect(request?.headers['te']).toBeUndefined();
    expect(request?.headers['content-length']).toBe(String(request?.text.length));
  });

  it('asks for usage on a stream and passes its events on as they come', async () => {
    received.length = 0;
    // A proxy that held the answer would wait for the upstream's end, which waits for the client: the abort ends that.
    const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true }), signal: AbortSignal.timeout(5_000) });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    releaseStream();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: [DONE]\n\n');
    expect(received[0]?.body).toEqual({ model: 'm', stream: true, stream_options: { include_usage: true } });
  });

  it('refuses a body that is not JSON without calling the upstream', async () => {
    received.length = 0;
    const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(response.status).toBe(400);
    expect(received).toHaveLength(0);
  });
});
