import { describe, expect, it } from 'vitest';
import { ProviderHttpError, ProviderProtocolError } from '../../errors/provider-errors.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { AnthropicEventReader, readMessage } from './anthropic-api.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

const source = { provider: 'anthropic', model: 'claude' };
const redact = (text: string, maxChars: number): string => text.slice(0, maxChars);

describe('mapAnthropicUsage', () => {
  it('adds cache reads and writes to the input, and keeps them apart', () => {
    const raw = { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000, output_tokens: 50, output_tokens_details: { thinking_tokens: 20 } };
    expect(mapAnthropicUsage(raw)).toEqual({ inputTokens: 3210, cachedInputTokens: 3000, cacheWriteTokens: 200, outputTokens: 50, reasoningTokens: 20, estimated: false, raw });
  });

  it('leaves unknown counts undefined, never 0', () => {
    expect(mapAnthropicUsage({ input_tokens: 5, output_tokens: 1, cache_creation_input_tokens: null })).toMatchObject({
      inputTokens: 5,
      cachedInputTokens: undefined,
      cacheWriteTokens: undefined,
      reasoningTokens: undefined,
    });
    expect(mapAnthropicUsage({})).toBeUndefined();
  });
});

describe('mapAnthropicFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['constructor', 'other'],
  ])('%s → %s, raw kept', (raw, unified) => {
    expect(mapAnthropicFinishReason(raw)).toEqual({ unified, raw });
  });

  it('keeps the stop sequence that ended the answer, from a Message and from a stream', () => {
    const message = readMessage({ content: [{ type: 'text', text: 'a' }], stop_reason: 'stop_sequence', stop_sequence: '###' }, source, redact);
    expect(message.choices[0]?.finishReason).toEqual({ unified: 'stop', raw: 'stop_sequence', stopSequence: '###' });
    const parts = readEvents([['message_delta', { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: '###' } }]]);
    expect(parts).toEqual([{ type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: '###' } }]);
  });
});

describe('readMessage', () => {
  it('turns text, thinking and tool_use blocks into a Chat Completions message', () => {
    const result = readMessage(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-4-8',
        content: [
          { type: 'thinking', thinking: 'Let me see. ', signature: 'sig' },
          { type: 'redacted_thinking', data: 'enc' },
          { type: 'text', text: 'Checking.', citations: null },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 3, output_tokens: 9 },
      },
      source,
      redact,
    );
    expect(result).toMatchObject({ id: 'msg_1', responseModel: 'claude-opus-4-8', extra: {}, usage: { inputTokens: 3, outputTokens: 9 } });
    expect(result.choices).toEqual([
      {
        index: 0,
        finishReason: { unified: 'tool_calls', raw: 'tool_use' },
        message: {
          role: 'assistant',
          content: 'Checking.',
          reasoning_content: 'Let me see. ',
          thinking_blocks: [
            { type: 'thinking', thinking: 'Let me see. ', signature: 'sig' },
            { type: 'redacted_thinking', data: 'enc' },
          ],
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
      },
    ]);
  });

  it('throws the error an error body in a 200 names, and a protocol error for anything else', () => {
    const overloaded = () => readMessage({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, source, redact);
    expect(overloaded).toThrow(ProviderHttpError);
    expect(overloaded).toThrow(expect.objectContaining({ status: 529, retryable: true }));
    expect(() => readMessage({ id: 'x' }, source, redact)).toThrow(ProviderProtocolError);
  });
});

function readEvents(events: Array<[string, unknown]>): StreamPart[] {
  const reader = new AnthropicEventReader(source, redact);
  const parts: StreamPart[] = [];
  for (const [event, data] of events) reader.read(event, data, parts);
  return parts;
}

describe('answer blocks with no place in the canonical result', () => {
  const serverBlocks = [
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
    { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
  ];

  it('are named in a warning on a whole Message', () => {
    const result = readMessage({ id: 'msg_1', content: [...serverBlocks, { type: 'text', text: 'Found it.' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } }, source, redact);
    expect(result.choices[0]?.message.content).toBe('Found it.');
    expect(result.warnings).toEqual(['dropped answer blocks the canonical result has no place for: server_tool_use, web_search_tool_result']);
    expect(readMessage({ content: [{ type: 'text', text: 'ok' }] }, source, redact).warnings).toBeUndefined();
    const cited = readMessage({ content: [{ type: 'text', text: 'Per the doc.', citations: [{ type: 'char_location', cited_text: 'doc' }] }] }, source, redact);
    expect(cited.warnings).toEqual(['dropped answer blocks the canonical result has no place for: citations']);
  });

  it('are reported once per type from a stream', () => {
    const dropped: string[] = [];
    const reader = new AnthropicEventReader(source, redact, (type) => dropped.push(type));
    const parts: StreamPart[] = [];
    for (const [index, block] of [...serverBlocks, serverBlocks[0]].entries()) reader.read('content_block_start', { type: 'content_block_start', index, content_block: block }, parts);
    reader.read('content_block_delta', { type: 'content_block_delta', index: 3, delta: { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'x' } } }, parts);
    expect(dropped).toEqual(['server_tool_use', 'web_search_tool_result', 'citations']);
    expect(parts).toEqual([]);
  });
});

describe('AnthropicEventReader', () => {
  it('turns a stream into parts: metadata, thinking with its signature, text, renumbered tool calls, finish, usage', () => {
    const parts = readEvents([
      ['message_start', { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', content: [], usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1 } } }],
      ['ping', { type: 'ping' }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'enc' } }],
      ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Hi' } }],
      ['content_block_start', { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"a":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '1}' } }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42, cache_read_input_tokens: null } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    expect(parts).toEqual([
      { type: 'response-metadata', id: 'msg_1', created: undefined, responseModel: 'claude-x', extra: {} },
      { type: 'reasoning-delta', choice: 0, text: 'Hmm.' },
      { type: 'reasoning-signature', choice: 0, signature: 'sig' },
      { type: 'redacted-reasoning', choice: 0, data: 'enc' },
      { type: 'text-delta', choice: 0, text: 'Hi' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: 'toolu_1', name: 'f', argumentsDelta: '' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '{"a":' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '1}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
      {
        type: 'usage',
        usage: expect.objectContaining({ inputTokens: 115, cachedInputTokens: 100, cacheWriteTokens: 5, outputTokens: 42 }),
      },
    ]);
  });

  it('numbers tool calls among tool_use blocks only', () => {
    const parts = readEvents([
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'a', name: 'f', input: {} } }],
      ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'b', name: 'g', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }],
    ]);
    expect(parts.map((part) => (part.type === 'tool-call-delta' ? part.toolIndex : undefined))).toEqual([0, 1, 1]);
  });

  it('throws an error event as a typed error: overloaded is retryable, an invalid request is not', () => {
    const overloaded = () => readEvents([['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]]);
    expect(overloaded).toThrow(expect.objectContaining({ kind: 'upstream_http', status: 529, retryable: true, upstreamType: 'overloaded_error' }));
    const invalid = () => readEvents([['error', { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } }]]);
    expect(invalid).toThrow(expect.objectContaining({ status: 400, retryable: false }));
  });
});
