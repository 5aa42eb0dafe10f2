import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLocalUpstreams, failureOf, localUpstream, recordingToError, type UpstreamHandler } from '../../../test/support/local-upstream.js';
import { ProviderConnectionError, ProviderProtocolError } from '../../errors/provider-errors.js';
import { AbortedError } from '../../errors/request-errors.js';
import { CancellationSource, Cancellation } from '../../util/cancellation.js';
import { fetchJsonAnswer } from './fetch-json-answer.js';
import { ERROR_BODY_BYTES } from './error-body.js';
import type { JsonTransport } from './json-transport.js';

afterEach(closeLocalUpstreams);

/** The local upstream's transport, with a 1 MB response limit. */
const upstream = async (handler: UpstreamHandler): Promise<JsonTransport> => (await localUpstream(handler, { maxResponseSize: 1024 * 1024 })).transport;

const HEADERS = { authorization: 'Bearer sk-secret', accept: 'application/json', 'content-type': 'application/json' };

const toError = recordingToError;

describe('fetchJsonAnswer', () => {
  it('POSTs the body with the headers given and resolves the parsed answer', async () => {
    let seen: Record<string, string | undefined> = {};
    const transport = await upstream((request, body, response) => {
      seen = { method: request.method, authorization: request.headers.authorization, accept: request.headers.accept, body };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"id":"x","ok":true}');
    });
    const answer = await fetchJsonAnswer(transport, '{"model":"m"}', HEADERS, toError, Cancellation.NEVER);
    expect(answer).toEqual({ id: 'x', ok: true });
    expect(seen).toEqual({ method: 'POST', authorization: 'Bearer sk-secret', accept: 'application/json', body: '{"model":"m"}' });
  });

  it('reads an answer that comes in many chunks, and one that begins with a byte order mark, as fetch does', async () => {
    const text = JSON.stringify({ content: 'é'.repeat(50_000) });
    const transport = await upstream((_request, _body, response) => {
      const bytes = Buffer.from(`\uFEFF${text}`);
      response.writeHead(200);
      // Split inside a two-byte character: decoding must see the whole body, not each chunk.
      response.write(bytes.subarray(0, 16));
      setTimeout(() => response.end(bytes.subarray(16)), 20);
    });
    expect(await fetchJsonAnswer(transport, '{}', HEADERS, toError, Cancellation.NEVER)).toEqual(JSON.parse(text));
  });

  it('rejects an answer that is not JSON with a protocol error quoting it, redacted', async () => {
    const transport = await upstream((_request, _body, response) => {
      response.writeHead(200);
      response.end('<html>sk-secret gateway error</html>');
    });
    const error = await fetchJsonAnswer(transport, '{}', HEADERS, toError, Cancellation.NEVER).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderProtocolError);
    expect((error as Error).message).toBe('upstream answered with invalid JSON: <html>[redacted] gateway error</html>');
  });

  it('gives a non-2xx answer to the error reader: its status, its headers and its body', async () => {
    const transport = await upstream((_request, _body, response) => {
      response.writeHead(429, { 'x-request-id': 'req-1', 'retry-after': '3' });
      response.end('{"error":{"message":"slow down"}}');
    });
    const error = await fetchJsonAnswer(transport, '{}', HEADERS, toError, Cancellation.NEVER).catch((caught: unknown) => caught);
    expect(failureOf(error)).toEqual({ status: 429, header: 'req-1', bodyText: '{"error":{"message":"slow down"}}' });
  });

  it('reads at most ERROR_BODY_BYTES of an error body that does not end', async () => {
    const transport = await upstream((_request, _body, response) => {
      response.writeHead(500);
      response.write('x'.repeat(ERROR_BODY_BYTES * 2));
    });
    const started = Date.now();
    const error = await fetchJsonAnswer(transport, '{}', HEADERS, toError, Cancellation.NEVER).catch((caught: unknown) => caught);
    expect(failureOf(error).bodyText).toBe('x'.repeat(ERROR_BODY_BYTES));
    // Cut at the limit, not at the time bound.
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('cuts an error body that trickles, with what came before', async () => {
    const transport = await upstream((_request, _body, response) => {
      response.writeHead(502);
      response.write('bad gateway');
    });
    const error = await fetchJsonAnswer(transport, '{}', HEADERS, toError, Cancellation.NEVER).catch((caught: unknown) => caught);
    expect(failureOf(error)).toMatchObject({ status: 502, bodyText: 'bad gateway' });
  });

  it('is aborted by its cancellation while waiting for the answer, and the connection is closed', async () => {
    let closed = false;
    const transport = await upstream((_request, _body, response) => response.socket?.on('close', () => (closed = true)));
    const cancellation = new CancellationSource();
    const call = fetchJsonAnswer(transport, '{}', HEADERS, toError, cancellation).catch((caught: unknown) => caught);
    setTimeout(() => cancellation.abort(), 50);
    expect(await call).toBeInstanceOf(AbortedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('sends nothing when already aborted', async () => {
    let requests = 0;
    const transport = await upstream((_request, _body, response) => {
      requests++;
      response.end('{}');
    });
    const cancellation = new CancellationSource();
    cancellation.abort();
    await expect(fetchJsonAnswer(transport, '{}', HEADERS, toError, cancellation)).rejects.toBeInstanceOf(AbortedError);
    expect(requests).toBe(0);
  });

  it('maps a connection failure to a typed error', async () => {
    const transport = await upstream(() => {});
    const dead: JsonTransport = { ...transport, pool: new Pool('http://127.0.0.1:1', { connections: 1 }) };
    await expect(fetchJsonAnswer(dead, '{}', HEADERS, toError, Cancellation.NEVER)).rejects.toBeInstanceOf(ProviderConnectionError);
    await dead.pool.destroy();
  });
});
