import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../spec/chat-result.js';
import { encodeAnthropicMessage, encodeStopReason } from './encode-anthropic-message.js';

const TRACE = '0190f0a0-1111-7222-8333-444455556666';

function result(message: ChatResult['choices'][number]['message'], finishReason: ChatResult['choices'][number]['finishReason'], id?: string): ChatResult {
  return {
    id,
    created: undefined,
    responseModel: undefined,
    choices: [{ index: 0, message, finishReason }],
    usage: { inputTokens: 1000, cachedInputTokens: 700, cacheWriteTokens: 200, cacheWrite1hTokens: 150, outputTokens: 30, reasoningTokens: undefined, estimated: false },
    extra: {},
  };
}

describe('encodeAnthropicMessage', () => {
  it('orders thinking (signed), text and tool uses, parses the arguments, and splits cache reads and writes out of input_tokens', () => {
    const message = encodeAnthropicMessage(
      result(
        {
          role: 'assistant',
          content: 'Reading it.',
          thinking_blocks: [
            { type: 'thinking', thinking: 'Plan.', signature: 'sig' },
            { type: 'redacted_thinking', data: 'opaque' },
          ],
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'read', arguments: '{"path":"a"}' } },
            { id: 'call_2', type: 'function', function: { name: 'noargs', arguments: '' } },
          ],
        },
        { unified: 'tool_calls', raw: 'tool_calls' },
        'chatcmpl-123',
      ),
      'strong',
      TRACE,
    );
    expect(message).toEqual({
      id: 'msg_0190f0a0111172228333444455556666',
      type: 'message',
      role: 'assistant',
      model: 'strong',
      content: [
        { type: 'thinking', thinking: 'Plan.', signature: 'sig' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Reading it.' },
        { type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'a' } },
        { type: 'tool_use', id: 'call_2', name: 'noargs', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 100, cache_read_input_tokens: 700, cache_creation_input_tokens: 200, cache_creation: { ephemeral_5m_input_tokens: 50, ephemeral_1h_input_tokens: 150 }, output_tokens: 30 },
    });
  });

  it('keeps an Anthropic id, stop reason and stop sequence as the upstream sent them, and reasoning_content as thinking', () => {
    const message = encodeAnthropicMessage(
      result({ role: 'assistant', content: 'Hi', reasoning_content: 'hm' }, { unified: 'stop', raw: 'stop_sequence', stopSequence: '###' }, 'msg_abc'),
      'm',
      TRACE,
    );
    expect(message).toMatchObject({ id: 'msg_abc', stop_reason: 'stop_sequence', stop_sequence: '###', content: [{ type: 'thinking', thinking: 'hm', signature: '' }, { type: 'text', text: 'Hi' }] });
  });

  it('maps finish reasons: Anthropic raw ones kept, unified ones translated, unknown ones as sent', () => {
    expect(encodeStopReason({ unified: 'stop', raw: 'pause_turn' })).toBe('pause_turn');
    expect(encodeStopReason({ unified: 'length', raw: 'model_context_window_exceeded' })).toBe('model_context_window_exceeded');
    expect(encodeStopReason({ unified: 'stop', raw: 'stop' })).toBe('end_turn');
    expect(encodeStopReason({ unified: 'length', raw: 'length' })).toBe('max_tokens');
    expect(encodeStopReason({ unified: 'tool_calls', raw: 'tool_calls' })).toBe('tool_use');
    expect(encodeStopReason({ unified: 'content_filter', raw: 'content_filter' })).toBe('refusal');
    expect(encodeStopReason({ unified: 'other', raw: 'weird' })).toBe('weird');
    expect(encodeStopReason({ unified: 'other', raw: undefined })).toBeNull();
  });
});
