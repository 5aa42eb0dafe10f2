import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLocalUpstreams, localUpstream, type UpstreamHandler } from '../../../test/support/local-upstream.js';
import { partsOf } from '../../../test/support/stream-parts.js';
import { ProviderConnectionError, ProviderHttpError } from '../../errors/provider-errors.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { Cancellation } from '../../util/cancellation.js';
import { OpenAIChatModel } from './openai-chat-model.js';

afterEach(closeLocalUpstreams);

async function model(handler: UpstreamHandler): Promise<OpenAIChatModel> {
  const { transport } = await localUpstream(handler, { connections: 2 });
  return new OpenAIChatModel({ provider: 'up', name: 'small', wireModel: 'small-wire', pool: transport.pool, path: transport.path, headers: { authorization: 'Bearer sk-x' }, redact: (text) => text });
}

const options = { cancellation: Cancellation.NEVER, signal: Cancellation.NEVER.signal };

const textOf = (parts: StreamPart[]): string => parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'small-wire', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

describe('OpenAIChatModel.doStream', () => {
  it('reads an event stream as parts, asking for one', async () => {
    let accept: string | undefined;
    let sent: unknown;
    const chat = await model((request, body, response) => {
      accept = request.headers.accept;
      sent = JSON.parse(body);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk({ role: 'assistant', content: 'Hel' }));
      // An event split across chunks, inside a multi-byte character.
      const bytes = Buffer.from(chunk({ content: 'lo é' }));
      response.write(bytes.subarray(0, bytes.length - 8));
      setTimeout(() => {
        response.write(bytes.subarray(bytes.length - 8));
        response.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
      }, 10);
    });
    const stream = await chat.doStream(createChatRequest('auto', 'hi'), options);
    const parts = await partsOf(stream.parts);
    expect(textOf(parts)).toBe('Hello é');
    expect(parts).toContainEqual(expect.objectContaining({ type: 'finish', finishReason: expect.objectContaining({ unified: 'stop' }) }));
    expect(parts.some((part) => part.type === 'error')).toBe(false);
    expect(accept).toBe('text/event-stream');
    expect(sent).toMatchObject({ model: 'small-wire', stream: true });
  });

  it('reads a 200 answer that is not an event stream as one JSON answer', async () => {
    const chat = await model((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: 'small-wire',
          choices: [{ index: 0, message: { role: 'assistant', content: 'in one piece' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
        }),
      );
    });
    const stream = await chat.doStream(createChatRequest('auto', 'hi'), options);
    const parts = await partsOf(stream.parts);
    expect(textOf(parts)).toBe('in one piece');
    expect(parts).toContainEqual(expect.objectContaining({ type: 'finish', finishReason: expect.objectContaining({ unified: 'stop' }) }));
  });

  it('throws a non-2xx answer as the OpenAI error it is', async () => {
    const chat = await model((_request, _body, response) => {
      response.writeHead(429, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"slow down","type":"rate_limit_exceeded"}}');
    });
    const error = await chat.doStream(createChatRequest('auto', 'hi'), options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(429);
    expect((error as Error).message).toContain('slow down');
  });

  it('reads the body to its end after [DONE], so the next call reuses the connection', async () => {
    const sockets = new Set<Socket>();
    const chat = await model((_request, _body, response) => {
      if (response.socket) sockets.add(response.socket);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`${chunk({ role: 'assistant', content: 'Hi' }, 'stop')}data: [DONE]\n\n`);
      setTimeout(() => response.end(), 20);
    });
    for (let call = 0; call < 2; call++) {
      const stream = await chat.doStream(createChatRequest('auto', 'hi'), options);
      expect(textOf(await partsOf(stream.parts))).toBe('Hi');
      // undici's pool takes a connection back at its next setImmediate.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sockets.size).toBe(1);
  });

  it('ends the parts with a connection error when the upstream drops mid-stream', async () => {
    const chat = await model((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk({ role: 'assistant', content: 'Hel' }));
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const stream = await chat.doStream(createChatRequest('auto', 'hi'), options);
    const parts = await partsOf(stream.parts);
    expect(textOf(parts)).toBe('Hel');
    const last = parts.at(-1);
    expect(last?.type === 'error' ? last.error : undefined).toBeInstanceOf(ProviderConnectionError);
  });
});
