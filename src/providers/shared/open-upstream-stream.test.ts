import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CountingCancellation } from '../../../test/support/counting-cancellation.js';
import { closeLocalUpstreams, failureOf, localUpstream, recordingToError } from '../../../test/support/local-upstream.js';
import { ProviderConnectionError, ProviderProtocolError } from '../../errors/provider-errors.js';
import { AbortedError } from '../../errors/request-errors.js';
import { Cancellation, CancellationSource } from '../../util/cancellation.js';
import { ERROR_BODY_BYTES } from './error-body.js';
import type { JsonTransport } from './json-transport.js';
import { openUpstreamStream, readUpstreamJson, type UpstreamStream } from './open-upstream-stream.js';

afterEach(closeLocalUpstreams);

const HEADERS = { authorization: 'Bearer sk-secret', accept: 'text/event-stream', 'content-type': 'application/json' };

const toError = recordingToError;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
}

async function textOf(stream: UpstreamStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('openUpstreamStream', () => {
  it('POSTs the body, resolves at the headers, then gives the chunks in order to the end', async () => {
    let seen: Record<string, string | undefined> = {};
    const { transport } = await localUpstream((request, body, response) => {
      seen = { method: request.method, authorization: request.headers.authorization, accept: request.headers.accept, body };
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      response.write('data: one\n\n');
      setTimeout(() => response.write('data: two\n\n'), 20);
      setTimeout(() => response.end('data: [DONE]\n\n'), 40);
    });
    const cancellation = new CountingCancellation();
    const stream = await openUpstreamStream(transport, '{"stream":true}', HEADERS, toError, cancellation);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
    expect(await textOf(stream)).toBe('data: one\n\ndata: two\n\ndata: [DONE]\n\n');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(seen).toEqual({ method: 'POST', authorization: 'Bearer sk-secret', accept: 'text/event-stream', body: '{"stream":true}' });
    expect(cancellation.attached).toBe(0);
  });

  it('gives a slow consumer every byte of a large stream, holding the upstream back rather than buffering it', async () => {
    const total = 24 * 1024 * 1024;
    const piece = 64 * 1024;
    let sent = 0;
    let waits = 0;
    const { transport } = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const write = (): void => {
        while (sent < total) {
          const chunk = Buffer.alloc(piece);
          for (let index = 0; index < piece; index++) chunk[index] = (sent + index) % 251;
          sent += piece;
          if (!response.write(chunk)) {
            waits++;
            response.once('drain', write);
            return;
          }
        }
        response.end();
      };
      write();
    });
    const stream = await openUpstreamStream(transport, '{}', HEADERS, toError, Cancellation.NEVER);
    let received = 0;
    let sentWhileStalled = 0;
    let intact = true;
    for await (const chunk of stream) {
      for (let index = 0; index < chunk.length; index += 997) if (chunk[index] !== (received + index) % 251) intact = false;
      received += chunk.length;
      if (sentWhileStalled === 0) {
        // The consumer stalls: the upstream must be stopped long before it sent everything.
        await sleep(400);
        sentWhileStalled = sent;
      } else if (received % (1024 * 1024) < chunk.length) {
        await sleep(5);
      }
    }
    expect(received).toBe(total);
    expect(intact).toBe(true);
    expect(waits).toBeGreaterThan(0);
    expect(sentWhileStalled).toBeLessThan(total / 3);
  });

  it('aborts the request, closing its connection, when the consumer stops early', async () => {
    const upstreamServer = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      // Never ends.
    });
    const cancellation = new CountingCancellation();
    const stream = await openUpstreamStream(upstreamServer.transport, '{}', HEADERS, toError, cancellation);
    for await (const chunk of stream) {
      expect(chunk.toString()).toBe('data: one\n\n');
      break;
    }
    await until(() => upstreamServer.closed() === 1);
    expect(upstreamServer.closed()).toBe(1);
    expect(cancellation.attached).toBe(0);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('fails the waiting next() with AbortedError when cancelled mid-stream, and closes the connection', async () => {
    const upstreamServer = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
    });
    const cancellation = new CancellationSource();
    const stream = await openUpstreamStream(upstreamServer.transport, '{}', HEADERS, toError, cancellation);
    expect((await stream.next()).value?.toString()).toBe('data: one\n\n');
    const next = stream.next().catch((caught: unknown) => caught);
    setTimeout(() => cancellation.abort(), 30);
    expect(await next).toBeInstanceOf(AbortedError);
    await until(() => upstreamServer.closed() === 1);
    expect(upstreamServer.closed()).toBe(1);
  });

  it('fails the next next() with AbortedError when cancelled while chunks wait unread', async () => {
    const upstreamServer = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
    });
    const cancellation = new CancellationSource();
    const stream = await openUpstreamStream(upstreamServer.transport, '{}', HEADERS, toError, cancellation);
    await sleep(30);
    cancellation.abort();
    await expect(stream.next()).rejects.toBeInstanceOf(AbortedError);
    await until(() => upstreamServer.closed() === 1);
    expect(upstreamServer.closed()).toBe(1);
  });

  it('rejects a non-2xx answer through the error reader, with its status, headers and body', async () => {
    const { transport } = await localUpstream((_request, _body, response) => {
      response.writeHead(429, { 'x-request-id': 'req-1', 'content-type': 'application/json' });
      response.end('{"error":{"message":"slow down"}}');
    });
    const cancellation = new CountingCancellation();
    const error = await openUpstreamStream(transport, '{}', HEADERS, toError, cancellation).catch((caught: unknown) => caught);
    expect(failureOf(error)).toEqual({ status: 429, header: 'req-1', bodyText: '{"error":{"message":"slow down"}}' });
    expect(cancellation.attached).toBe(0);
  });

  it('cuts a non-2xx body that does not end at ERROR_BODY_BYTES', async () => {
    const { transport } = await localUpstream((_request, _body, response) => {
      response.writeHead(500);
      response.write('x'.repeat(ERROR_BODY_BYTES * 2));
    });
    const started = Date.now();
    const error = await openUpstreamStream(transport, '{}', HEADERS, toError, Cancellation.NEVER).catch((caught: unknown) => caught);
    expect(failureOf(error)).toMatchObject({ status: 500, bodyText: 'x'.repeat(ERROR_BODY_BYTES) });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('cuts a non-2xx body that trickles, with what came before', async () => {
    const { transport } = await localUpstream((_request, _body, response) => {
      response.writeHead(502);
      response.write('bad gateway');
    });
    const error = await openUpstreamStream(transport, '{}', HEADERS, toError, Cancellation.NEVER).catch((caught: unknown) => caught);
    expect(failureOf(error)).toMatchObject({ status: 502, bodyText: 'bad gateway' });
  });

  it('fails next() with a retryable connection error when the upstream drops the connection mid-stream', async () => {
    const { transport } = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      setTimeout(() => response.socket?.destroy(), 30);
    });
    const cancellation = new CountingCancellation();
    const stream = await openUpstreamStream(transport, '{}', HEADERS, toError, cancellation);
    expect((await stream.next()).value?.toString()).toBe('data: one\n\n');
    const error = await stream.next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderConnectionError);
    expect((error as ProviderConnectionError).retryable).toBe(true);
    expect(cancellation.attached).toBe(0);
  });

  it('rejects with a mapped error when the upstream cannot be reached, or is cancelled before the headers', async () => {
    // An upstream that never answers.
    const { transport } = await localUpstream(() => undefined);
    const dead: JsonTransport = { ...transport, pool: new Pool('http://127.0.0.1:1', { connections: 1 }) };
    await expect(openUpstreamStream(dead, '{}', HEADERS, toError, Cancellation.NEVER)).rejects.toBeInstanceOf(ProviderConnectionError);
    await dead.pool.destroy();

    const cancellation = new CancellationSource();
    const call = openUpstreamStream(transport, '{}', HEADERS, toError, cancellation).catch((caught: unknown) => caught);
    setTimeout(() => cancellation.abort(), 30);
    expect(await call).toBeInstanceOf(AbortedError);
  });

  it('sends nothing when already cancelled', async () => {
    let requests = 0;
    const { transport } = await localUpstream((_request, _body, response) => {
      requests++;
      response.end();
    });
    const cancellation = new CancellationSource();
    cancellation.abort();
    await expect(openUpstreamStream(transport, '{}', HEADERS, toError, cancellation)).rejects.toBeInstanceOf(AbortedError);
    expect(requests).toBe(0);
  });

  it('gives the connection back to the pool after a completed stream, for the next call', async () => {
    const upstreamServer = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      setTimeout(() => response.end('data: [DONE]\n\n'), 10);
    });
    for (let call = 0; call < 3; call++) {
      const stream = await openUpstreamStream(upstreamServer.transport, '{}', HEADERS, toError, Cancellation.NEVER);
      expect(await textOf(stream)).toBe('data: one\n\ndata: [DONE]\n\n');
      // undici's pool takes a connection back at its next setImmediate (so does it after a `pool.request` body).
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(upstreamServer.accepted()).toBe(1);
    expect(upstreamServer.closed()).toBe(0);
  });
});

describe('readUpstreamJson', () => {
  it('parses a whole body, dropping a byte order mark, and quotes (redacted) one that is not JSON', async () => {
    const text = JSON.stringify({ content: 'é'.repeat(50_000) });
    let answer = `\uFEFF${text}`;
    const { transport } = await localUpstream((_request, _body, response) => {
      const bytes = Buffer.from(answer);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(bytes.subarray(0, 16));
      setTimeout(() => response.end(bytes.subarray(16)), 20);
    });
    expect(await readUpstreamJson(transport, await openUpstreamStream(transport, '{}', HEADERS, toError, Cancellation.NEVER))).toEqual(JSON.parse(text));
    answer = '<html>sk-secret</html>';
    const error = await readUpstreamJson(transport, await openUpstreamStream(transport, '{}', HEADERS, toError, Cancellation.NEVER)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderProtocolError);
    expect((error as Error).message).toBe('upstream answered with invalid JSON: <html>[redacted]</html>');
  });
});
