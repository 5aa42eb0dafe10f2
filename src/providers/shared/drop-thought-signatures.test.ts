import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../spec/chat-request.js';
import { chatResultToParts } from '../../spec/chat-result-to-parts.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import { thoughtSignatureExtra } from '../../spec/thought-signature.js';
import { convertToAnthropicRequest } from '../anthropic/convert-to-anthropic-request.js';
import { convertToOpenAIRequest } from '../openai/convert-to-openai-request.js';
import { dropThoughtSignatures } from './drop-thought-signatures.js';

/** A Gemini conversation as a Chat Completions client sends it back: signatures on the call and on a text turn. */
const conversation: ChatMessage[] = [
  { role: 'user', content: 'Weather?' },
  { role: 'assistant', content: 'Thinking done.', ...thoughtSignatureExtra('text-sig') },
  { role: 'user', content: 'Now call it.' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { google: { thought_signature: 'call-sig' }, other: 1 } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
];

describe('dropThoughtSignatures', () => {
  it('strips every signature, keeps the rest of extra_content, and says how many went', () => {
    const { messages, warning } = dropThoughtSignatures(conversation);
    expect(messages[1]).toEqual({ role: 'assistant', content: 'Thinking done.' });
    expect(messages[3]?.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { other: 1 } }]);
    expect(warning).toBe('thought signatures dropped: 2 from earlier Gemini turns, which only Gemini can verify');
    // The caller's messages are left as they were.
    expect(conversation[1]?.['extra_content']).toBeDefined();
  });

  it('returns the same messages, and no warning, when there is nothing to drop', () => {
    const plain: ChatMessage[] = [{ role: 'user', content: 'hi' }];
    expect(dropThoughtSignatures(plain)).toEqual({ messages: plain, warning: undefined });
    expect(dropThoughtSignatures(plain).messages).toBe(plain);
  });

  it('runs for OpenAI-compatible and Anthropic upstreams, whatever the dialect, with the warning on the attempt', () => {
    const openai = convertToOpenAIRequest(createChatRequest('m', conversation), 'gpt-x', false);
    expect(JSON.stringify(openai.body)).not.toContain('thought_signature');
    expect(openai.warnings).toEqual([expect.stringMatching(/^thought signatures dropped: 2 /)]);
    const anthropic = convertToAnthropicRequest(createChatRequest('m', conversation), { wireModel: 'claude-x', stream: false, maxOutput: 100, promptCaching: 'off' });
    expect(JSON.stringify(anthropic.body)).not.toContain('thought_signature');
    expect(anthropic.warnings).toEqual([expect.stringMatching(/^thought signatures dropped: 2 /)]);
  });
});

describe('chatResultToParts', () => {
  it('carries a tool call signature onto its delta', () => {
    const parts = chatResultToParts({
      id: 'x',
      created: undefined,
      responseModel: undefined,
      choices: [{ index: 0, message: conversation[3] as ChatMessage, finishReason: { unified: 'tool_calls', raw: 'STOP' } }],
      usage: undefined,
      extra: {},
    });
    expect(parts.find((part) => part.type === 'tool-call-delta')).toMatchObject({ id: 'call_1', thoughtSignature: 'call-sig' });
  });
});
