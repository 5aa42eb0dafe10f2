import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../../spec/chat-request.js';
import { convertToResponsesRequest } from './convert-to-responses-request.js';

function request(overrides: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'm',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: false,
    includeUsage: false,
    metadata: undefined,
    tools: undefined,
    responseFormat: undefined,
    maxOutputTokens: undefined,
    passthrough: {},
    ...overrides,
  };
}

const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const PDF = 'data:application/pdf;base64,JVBERi0=';

describe('convertToResponsesRequest', () => {
  it('turns a Chat Completions conversation into instructions and input items, store off', () => {
    const { body, warnings } = convertToResponsesRequest(
      request({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
          { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }, { type: 'file', file: { file_data: PDF } }] },
          { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          { role: 'system', content: 'Answer in one line.' },
        ],
      }),
      'gpt-5-codex',
      false,
    );
    expect(body).toEqual({
      model: 'gpt-5-codex',
      instructions: 'Be brief.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Use metric units.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather here?' },
            { type: 'input_image', image_url: 'https://x.test/a.png', detail: 'auto' },
            { type: 'input_file', file_data: PDF, filename: 'document.pdf' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Answer in one line.' }] },
      ],
      store: false,
    });
    expect(warnings).toBeUndefined();
  });

  it('maps tools, tool_choice, response_format, output limit, reasoning effort and sampling, and streams', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const { body } = convertToResponsesRequest(
      request({
        tools: [weather],
        responseFormat: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
        maxOutputTokens: 300,
        passthrough: {
          tools: [weather],
          tool_choice: { type: 'function', function: { name: 'get_weather' } },
          response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
          max_completion_tokens: 300,
          reasoning_effort: 'low',
          verbosity: 'low',
          temperature: 0.2,
          top_p: 0.9,
          parallel_tool_calls: false,
          user: 'u-1',
          stream_options: { include_usage: true },
        },
      }),
      'o3-pro',
      true,
    );
    expect(body).toMatchObject({
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: weather.function.parameters, strict: false }],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true }, verbosity: 'low' },
      max_output_tokens: 300,
      reasoning: { effort: 'low' },
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'u-1',
      store: false,
      stream: true,
    });
    expect(body).not.toHaveProperty('stream_options');
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(convertToResponsesRequest(request({ responseFormat: { type: 'json_object' } }), 'm', false).body['text']).toEqual({ format: { type: 'json_object' } });
    const allowed = { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_weather' } }] } };
    expect(convertToResponsesRequest(request({ tools: [weather], passthrough: { tools: [weather], tool_choice: allowed } }), 'm', false).body['tool_choice']).toEqual({
      type: 'allowed_tools',
      mode: 'required',
      tools: [{ type: 'function', name: 'get_weather' }],
    });
  });

  it('drops what the Responses API has no field for, with a warning each', () => {
    const { body, warnings } = convertToResponsesRequest(request({ passthrough: { stop: ['END'], seed: 7, n: 2, logprobs: true } }), 'm', false);
    expect(body).not.toHaveProperty('stop');
    expect(body).not.toHaveProperty('seed');
    expect(warnings).toEqual([
      'n 2 was dropped: the Responses API answers with one choice',
      'stop was dropped: the Responses API has no such field',
      'seed was dropped: the Responses API has no such field',
      'logprobs was dropped: the Responses API has no such field',
    ]);
  });

  it('drops what an Anthropic request says that the Responses API cannot, with warnings', () => {
    const { body, warnings } = convertToResponsesRequest(
      request({
        dialect: 'anthropic',
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }] },
          { role: 'user', content: [{ type: 'text', text: 'Read it.', cache_control: { type: 'ephemeral' } }] },
          {
            role: 'assistant',
            content: null,
            thinking_blocks: [{ type: 'thinking', thinking: 'Hmm.', signature: 'sig' }],
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Read', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'no such file' }], is_error: true },
        ],
        tools: [{ ...weather, cache_control: { type: 'ephemeral' } }, { type: 'web_search_20250305', name: 'web_search' }],
        dialectFields: { thinking: { type: 'enabled', budget_tokens: 1024 }, top_k: 5 },
        dialectHeaders: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' },
      }),
      'gpt-5-codex',
      false,
    );
    expect(body['instructions']).toBe('Be brief.');
    expect(body['input']).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Read it.' }] },
      { type: 'function_call', call_id: 'toolu_1', name: 'Read', arguments: '{}' },
      { type: 'function_call_output', call_id: 'toolu_1', output: [{ type: 'input_text', text: 'no such file' }] },
    ]);
    expect(body['tools']).toEqual([{ type: 'function', name: 'get_weather', description: 'Weather', parameters: weather.function.parameters, strict: false }]);
    expect(body).not.toHaveProperty('thinking');
    expect(warnings).toEqual([
      'tools the Responses API cannot run were dropped (web_search_20250305): only function tools pass',
      'fields of the anthropic dialect were dropped: thinking, top_k',
      'anthropic headers were dropped: anthropic-beta',
      'dropped 3 cache_control breakpoint(s): the Responses API caches prompt prefixes by itself',
      'dropped 1 thinking block(s) of earlier turns: their signatures are only valid at the vendor that made them',
      'dropped is_error from 1 tool result(s): the Responses API has no such flag',
    ]);
  });

  it("forwards a Responses client's own fields and built-in tools, and gives its reasoning and built-in tool items back first", () => {
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'enc-1' };
    const searched = { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'it' } };
    const { body, warnings } = convertToResponsesRequest(
      request({
        dialect: 'responses',
        messages: [
          { role: 'user', content: 'Search it.' },
          { role: 'assistant', content: 'Found it.', responses_items: [reasoning, searched] },
          { role: 'user', content: 'Again.' },
        ],
        tools: [{ type: 'web_search' }, { ...weather, defer_loading: true }],
        passthrough: { reasoning_effort: 'high' },
        dialectFields: { store: true, include: ['reasoning.encrypted_content'], reasoning: { summary: 'auto' }, previous_response_id: 'resp_1', truncation: 'auto' },
      }),
      'gpt-5-codex',
      false,
    );
    expect(body).toMatchObject({
      store: true,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'high', summary: 'auto' },
      truncation: 'auto',
    });
    // Its own tool fields kept, and no `strict` where it gave none: the Responses API's default holds.
    expect(body['tools']).toEqual([{ type: 'web_search' }, { type: 'function', name: 'get_weather', description: 'Weather', parameters: weather.function.parameters, defer_loading: true }]);
    expect(body).not.toHaveProperty('previous_response_id');
    expect(body['input']).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Search it.' }] },
      reasoning,
      searched,
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Found it.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Again.' }] },
    ]);
    expect(warnings).toBeUndefined();
  });

  it('drops Gemini thought signatures with a note', () => {
    const { warnings } = convertToResponsesRequest(
      request({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo', extra_content: { google: { thought_signature: 'c2ln' } } }] }),
      'm',
      false,
    );
    expect(warnings).toEqual([expect.stringMatching(/^thought signatures dropped: 1/)]);
  });
});
