import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../spec/chat-result.js';
import { encodeBlockedResponse, encodeResponse, type ResponseFrame } from './encode-responses-response.js';

const TRACE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const HEX = TRACE.replaceAll('-', '');
const frame: ResponseFrame = { traceId: TRACE, createdAt: 1_700_000_000, model: 'strong', echo: { instructions: null, tools: [], store: true } };

function result(message: ChatResult['choices'][number]['message'], finish: 'stop' | 'length' | 'content_filter' | 'tool_calls' = 'stop'): ChatResult {
  return {
    id: 'chatcmpl-up',
    created: 1,
    responseModel: 'wire',
    choices: [{ index: 0, message, finishReason: { unified: finish, raw: finish } }],
    usage: { inputTokens: 30, cachedInputTokens: 10, cacheWriteTokens: undefined, outputTokens: 7, reasoningTokens: 3, estimated: false },
    extra: {},
  };
}

describe('encodeResponse', () => {
  it('answers reasoning, text, refusal and calls as output items, with usage and the echoed fields', () => {
    const response = encodeResponse(
      result({
        role: 'assistant',
        content: 'Hello.',
        refusal: 'Not that.',
        reasoning_content: 'Thinking it over.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      }),
      frame,
    );
    expect(response).toEqual({
      id: `resp_${HEX}`,
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      background: false,
      completed_at: expect.any(Number),
      error: null,
      incomplete_details: null,
      model: 'strong',
      output: [
        { id: `rs_${HEX}_0`, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking it over.' }] },
        {
          id: `msg_${HEX}_1`,
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Hello.', annotations: [], logprobs: [] },
            { type: 'refusal', refusal: 'Not that.' },
          ],
        },
        { id: `fc_${HEX}_2`, type: 'function_call', status: 'completed', call_id: 'call_1', name: 'f', arguments: '{"a":1}' },
      ],
      instructions: null,
      tools: [],
      store: true,
      usage: { input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 37 },
    });
  });

  it('gives url citations in the flat form of the Responses API', () => {
    const citation = { start_index: 0, end_index: 5, url: 'https://example.com', title: 'Ex' };
    const response = encodeResponse(result({ role: 'assistant', content: 'Hello', annotations: [{ type: 'url_citation', url_citation: citation }] }), frame);
    expect(response).toMatchObject({ output: [{ content: [{ type: 'output_text', text: 'Hello', annotations: [{ type: 'url_citation', ...citation }] }] }] });
  });

  it('says incomplete, with the reason, when the answer hit the token limit or a filter', () => {
    const cut = encodeResponse(result({ role: 'assistant', content: 'Half' }, 'length'), frame);
    expect(cut).toMatchObject({ status: 'incomplete', completed_at: null, incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] });
    expect(encodeResponse(result({ role: 'assistant', content: '' }, 'content_filter'), frame)).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: [],
    });
  });

  it('gives back the items a Responses upstream returned instead of a summary of its reasoning', () => {
    const kept = { type: 'reasoning', id: 'rs_up', summary: [], encrypted_content: 'gAAA' };
    const response = encodeResponse(result({ role: 'assistant', content: 'Hi.', reasoning_content: 'x', responses_items: [kept] }), frame);
    expect((response['output'] as unknown[])[0]).toEqual(kept);
    expect(response['output']).toHaveLength(2);
  });

  it('answers a blocked request with a completed message and no tokens', () => {
    expect(encodeBlockedResponse('No.', frame)).toMatchObject({
      status: 'completed',
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'No.' }] }],
      usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
    });
  });
});
