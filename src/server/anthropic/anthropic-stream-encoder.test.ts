import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { Stream } from '@anthropic-ai/sdk/streaming';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Usage } from '../../spec/usage.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';

const USAGE: Usage = { inputTokens: 1000, cachedInputTokens: 800, cacheWriteTokens: 150, outputTokens: 40, reasoningTokens: 12, estimated: false };

function encode(parts: StreamPart[], id = 'msg_fallback'): string {
  const encoder = new AnthropicStreamEncoder(id, 'strong');
  return parts.map((part) => encoder.encode(part)).join('') + encoder.end();
}

/** The events, as the SDK reads them: the name on the `event:` line, the JSON after `data:`. */
function events(text: string): { name: string; data: Record<string, unknown> }[] {
  return [...text.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((match) => ({ name: match[1] as string, data: JSON.parse(match[2] as string) as Record<string, unknown> }));
}

/** The message the SDK's own MessageStream assembles from these bytes. */
async function assembled(text: string): ReturnType<MessageStream['finalMessage']> {
  const sse = Stream.fromSSEResponse(new Response(text, { headers: { 'content-type': 'text/event-stream' } }), new AbortController());
  return MessageStream.fromReadableStream(sse.toReadableStream()).finalMessage();
}

describe('AnthropicStreamEncoder', () => {
  it('renumbers thinking, text and tool blocks in order, and the SDK assembles the whole message', async () => {
    const text = encode([
      { type: 'response-metadata', id: 'msg_upstream', created: undefined, responseModel: 'claude-x', extra: {} },
      { type: 'reasoning-delta', choice: 0, text: 'Let me ' },
      { type: 'reasoning-delta', choice: 0, text: 'think.' },
      { type: 'reasoning-signature', choice: 0, signature: 'sig-A' },
      { type: 'redacted-reasoning', choice: 0, data: 'opaque' },
      { type: 'text-delta', choice: 0, text: 'Calling ' },
      { type: 'text-delta', choice: 0, text: 'tools.' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: 'toolu_a', name: 'read', argumentsDelta: '' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '{"path":' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '"a.txt"}' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 1, id: 'toolu_b', name: 'list', argumentsDelta: '{}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
      { type: 'usage', usage: USAGE },
    ]);
    const names = events(text).map((event) => event.name);
    expect(names.slice(0, 2)).toEqual(['message_start', 'ping']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const starts = events(text).filter((event) => event.name === 'content_block_start').map((event) => [event.data['index'], (event.data['content_block'] as { type: string }).type]);
    expect(starts).toEqual([
      [0, 'thinking'],
      [1, 'redacted_thinking'],
      [2, 'text'],
      [3, 'tool_use'],
      [4, 'tool_use'],
    ]);
    // Every block opened is closed, once.
    expect(events(text).filter((event) => event.name === 'content_block_stop').map((event) => event.data['index'])).toEqual([0, 1, 2, 3, 4]);

    const message = await assembled(text);
    expect(message).toMatchObject({
      id: 'msg_upstream',
      model: 'strong',
      stop_reason: 'tool_use',
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig-A' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Calling tools.' },
        { type: 'tool_use', id: 'toolu_a', name: 'read', input: { path: 'a.txt' } },
        { type: 'tool_use', id: 'toolu_b', name: 'list', input: {} },
      ],
      // Cumulative in message_delta; input excludes the cache reads and writes.
      usage: { input_tokens: 50, cache_read_input_tokens: 800, cache_creation_input_tokens: 150, output_tokens: 40 },
    });
  });

  it('opens a thinking block for a signature alone (thinking omitted), and a new one after a signed block', async () => {
    const message = await assembled(
      encode([
        { type: 'reasoning-signature', choice: 0, signature: 'sig-only' },
        { type: 'reasoning-delta', choice: 0, text: 'second' },
        { type: 'reasoning-signature', choice: 0, signature: 'sig-2' },
        { type: 'text-delta', choice: 0, text: 'Done.' },
        { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop' } },
      ]),
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: '', signature: 'sig-only' },
      { type: 'thinking', thinking: 'second', signature: 'sig-2' },
      { type: 'text', text: 'Done.' },
    ]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.id).toBe('msg_fallback');
  });

  it('puts the usage known before the first content in message_start, and keeps an Anthropic stop reason and sequence', () => {
    const text = encode([
      { type: 'usage', usage: { ...USAGE, outputTokens: undefined } },
      { type: 'text-delta', choice: 0, text: 'Hi END' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'END' } },
    ]);
    const [start] = events(text);
    expect((start?.data['message'] as { usage: unknown }).usage).toMatchObject({ input_tokens: 50, cache_read_input_tokens: 800 });
    const delta = events(text).find((event) => event.name === 'message_delta');
    expect(delta?.data['delta']).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('ends a failed stream with an error event the SDK raises, and no message_stop', async () => {
    const encoder = new AnthropicStreamEncoder('msg_x', 'strong');
    const text = encoder.encode({ type: 'text-delta', choice: 0, text: 'partial' }) + encoder.error({ type: 'overloaded_error', message: 'Overloaded' }, 'req_1');
    expect(text).not.toContain('message_stop');
    await expect(assembled(text)).rejects.toMatchObject({ error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' } });
  });

  it('encodes only the first choice', () => {
    const text = encode([
      { type: 'text-delta', choice: 1, text: 'other' },
      { type: 'text-delta', choice: 0, text: 'mine' },
    ]);
    expect(text).not.toContain('other');
    expect(text).toContain('mine');
  });
});
