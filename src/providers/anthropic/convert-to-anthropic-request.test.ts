import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../errors/request-errors.js';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../spec/chat-request.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import { convertToAnthropicRequest, DEFAULT_MAX_TOKENS, type AnthropicRequestOptions } from './convert-to-anthropic-request.js';

const OPTIONS: AnthropicRequestOptions = { wireModel: 'claude-wire', stream: false, maxOutput: 64000, promptCaching: 'off' };

function convert(messages: ChatMessage[] | string, fields: Partial<ChatRequest> = {}, options: Partial<AnthropicRequestOptions> = {}) {
  return convertToAnthropicRequest(createChatRequest('auto', messages, fields), { ...OPTIONS, ...options });
}

const weather: ToolDefinition = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
};

describe('convertToAnthropicRequest: messages', () => {
  it('moves system and developer messages, from anywhere, to top-level system blocks, cache_control kept', () => {
    const { body, warnings } = convert([
      { role: 'system', content: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
      { role: 'user', content: 'hi' },
      { role: 'developer', content: 'Answer in French.' },
    ]);
    expect(body['system']).toEqual([
      { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(body['messages']).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    expect(warnings).toEqual([]);
  });

  it('keeps a later system message in place for a client of the Anthropic dialect', () => {
    const { body } = convert(
      [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
        { role: 'system', content: [{ type: 'text', text: 'env', cache_control: { type: 'ephemeral' } }] },
      ],
      { dialect: 'anthropic' },
    );
    expect(body['system']).toEqual([{ type: 'text', text: 'sys' }]);
    expect(body['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'system', content: [{ type: 'text', text: 'env', cache_control: { type: 'ephemeral' } }] },
    ]);
  });

  it('merges consecutive turns of one role so roles alternate', () => {
    const { body } = convert([
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'three' },
      { role: 'assistant', content: 'four' },
    ]);
    expect(body['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'three' }, { type: 'text', text: 'four' }] },
    ]);
  });

  it('turns tool calls into tool_use blocks and tool messages into tool_result blocks of the next user turn', () => {
    const { body } = convert([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        thinking_blocks: [
          { type: 'thinking', thinking: 'Two calls.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'enc' },
        ],
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: 'no such city' }], is_error: true },
      { role: 'user', content: 'Thanks' },
    ]);
    expect(body['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Two calls.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'enc' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'no such city' }], is_error: true },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it('rejects tool call arguments that are not a JSON object as the client error they are', () => {
    const call = (args: string): ChatMessage[] => [
      { role: 'user', content: 'x' },
      { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: args } }] },
    ];
    expect(() => convert(call('{"city":'))).toThrow(InvalidRequestError);
    expect(() => convert(call('{"city":'))).toThrow(/messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/);
    expect(() => convert(call('[1,2]'))).toThrow(/is not a JSON object/);
  });

  it('rejects a tool result without its tool_call_id', () => {
    expect(() => convert([{ role: 'tool', content: 'x' }])).toThrow(InvalidRequestError);
  });

  it('maps images by URL and as base64 data URLs, and a PDF data URL to a document block, cache_control kept', () => {
    const { body } = convert([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQ=', filename: 'a.pdf' } },
        ],
      },
    ]);
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' }, title: 'a.pdf' },
        ],
      },
    ]);
  });

  it('drops, with a warning each, what the Messages API cannot carry', () => {
    const { body, warnings } = convert([
      { role: 'user', name: 'alice', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }, { type: 'text', text: 'hi' }] },
      { role: 'assistant', content: 'ok', reasoning_content: 'unsigned thoughts' },
      { role: 'assistant', content: 'more', thinking_blocks: [{ type: 'thinking', thinking: 'lost', signature: '' }] },
      { role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }, { type: 'text', text: 'again' }] },
    ]);
    expect(body['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'text', text: 'more' }] },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
    ]);
    expect(warnings).toEqual([
      'messages[].name was dropped: the Messages API has no participant names',
      'a `input_audio` content part was dropped: the Messages API cannot carry it',
      'reasoning_content without thinking_blocks was dropped: the Messages API accepts only signed thinking back',
      'a thinking block without its signature was dropped: the Messages API accepts only signed thinking back',
      'a `file` part with a file_id was dropped: OpenAI file ids mean nothing to the Messages API',
    ]);
  });

  it("gives an Anthropic client's blocks back as the edge received them: extras kept, text documents as text", () => {
    const text = Buffer.from('Plain notes.', 'utf8').toString('base64');
    const { body, warnings } = convert(
      [
        { role: 'system', content: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' }, citations: null }] },
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: `data:text/plain;base64,${text}`, filename: 'Notes' }, context: 'from the wiki', citations: { enabled: true } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' }, cache_control: { type: 'ephemeral', ttl: '1h' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' }, caller: { type: 'direct' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'done', cache_control: { type: 'ephemeral' }, toolset_name: 'files' },
      ],
      { dialect: 'anthropic' },
    );
    expect(body['system']).toEqual([{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' }, citations: null }]);
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' }, title: 'Notes', context: 'from the wiki', citations: { enabled: true } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' }, cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {}, caller: { type: 'direct' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done', cache_control: { type: 'ephemeral' }, toolset_name: 'files' }] },
    ]);
    expect(warnings).toEqual([]);
    // The same request from an OpenAI client keeps only the breakpoints.
    const openai = convert([{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' }, caller: { type: 'direct' }, cache_control: { type: 'ephemeral' } }] }]);
    expect(openai.body['messages']).toEqual([{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {}, cache_control: { type: 'ephemeral' } }] }]);
  });

  it('passes an Anthropic client\'s own block kinds through, and drops them for an OpenAI client', () => {
    const searchResult = { type: 'search_result', source: 'https://x', title: 'X', content: [{ type: 'text', text: 'x' }] };
    expect(convert([{ role: 'user', content: [searchResult] }], { dialect: 'anthropic' }).body['messages']).toEqual([{ role: 'user', content: [searchResult] }]);
    const openai = convert([{ role: 'user', content: [searchResult, { type: 'text', text: 'q' }] }]);
    expect(openai.body['messages']).toEqual([{ role: 'user', content: [{ type: 'text', text: 'q' }] }]);
    expect(openai.warnings).toEqual(['a `search_result` content part was dropped: the Messages API cannot carry it']);
  });
});

describe('convertToAnthropicRequest: fields', () => {
  it('sends max_tokens from the client, else the catalog\'s max output, else a default', () => {
    expect(convert('hi', { maxOutputTokens: 300 }).body['max_tokens']).toBe(300);
    expect(convert('hi').body['max_tokens']).toBe(64000);
    expect(convert('hi', {}, { maxOutput: undefined }).body['max_tokens']).toBe(DEFAULT_MAX_TOKENS);
  });

  it('maps stop, temperature (clamped with a warning), top_p and the stream flag', () => {
    const { body, warnings } = convert('hi', { passthrough: { stop: 'END', temperature: 1.5, top_p: 0.9 } }, { stream: true });
    expect(body).toMatchObject({ model: 'claude-wire', stop_sequences: ['END'], temperature: 1, top_p: 0.9, stream: true });
    expect(warnings).toEqual(["temperature 1.5 was lowered to 1, the Messages API's maximum"]);
    expect(convert('hi', { passthrough: { stop: ['a', 'b'], temperature: 0.2 } }).body).toMatchObject({ stop_sequences: ['a', 'b'], temperature: 0.2 });
    expect(convert('hi').body['stream']).toBeUndefined();
  });

  it('maps tools, tool_choice and parallel_tool_calls', () => {
    const cached: ToolDefinition = { ...weather, cache_control: { type: 'ephemeral' } };
    const request = (toolChoice: unknown, parallel?: boolean) =>
      convert('hi', { tools: [cached], passthrough: { tools: [cached], tool_choice: toolChoice, ...(parallel === undefined ? {} : { parallel_tool_calls: parallel }) } }).body;
    expect(request('auto')['tools']).toEqual([
      {
        name: 'get_weather',
        description: 'Weather of a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        strict: true,
        cache_control: { type: 'ephemeral' },
      },
    ]);
    expect(request('auto')['tool_choice']).toEqual({ type: 'auto' });
    expect(request('required')['tool_choice']).toEqual({ type: 'any' });
    expect(request('none')['tool_choice']).toEqual({ type: 'none' });
    expect(request({ type: 'function', function: { name: 'get_weather' } })['tool_choice']).toEqual({ type: 'tool', name: 'get_weather' });
    expect(request('required', false)['tool_choice']).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(request(undefined, false)['tool_choice']).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(request(undefined, true)['tool_choice']).toBeUndefined();
  });

  it('maps a json_schema response format to output_config.format and warns on json_object', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const responseFormat = { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } };
    expect(convert('hi', { responseFormat, passthrough: { response_format: responseFormat } }).body['output_config']).toEqual({ format: { type: 'json_schema', schema } });
    const jsonObject = convert('hi', { responseFormat: { type: 'json_object' }, passthrough: { response_format: { type: 'json_object' } } });
    expect(jsonObject.body['output_config']).toBeUndefined();
    expect(jsonObject.warnings).toEqual(['response_format json_object was dropped: the Messages API takes a JSON schema only']);
  });

  it('maps reasoning_effort to adaptive thinking at that effort; none turns thinking off; a client thinking object wins', () => {
    expect(convert('hi', { passthrough: { reasoning_effort: 'high' } }).body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    expect(convert('hi', { passthrough: { reasoning_effort: 'minimal' } }).body).toMatchObject({ output_config: { effort: 'low' } });
    expect(convert('hi', { passthrough: { reasoning_effort: 'none' } }).body['thinking']).toEqual({ type: 'disabled' });
    const budget = { type: 'enabled', budget_tokens: 2048 };
    expect(convert('hi', { passthrough: { reasoning_effort: 'low', thinking: budget } }).body['thinking']).toEqual(budget);
  });

  it('maps user to metadata.user_id', () => {
    expect(convert('hi', { passthrough: { user: 'u-1' } }).body['metadata']).toEqual({ user_id: 'u-1' });
  });

  it('does not forward fields the API would reject, and says so', () => {
    const { body, warnings } = convert('hi', { passthrough: { n: 2, logprobs: true, seed: 7, frequency_penalty: 0.5, x_vendor: 1, stream_options: { include_usage: true }, stop: null } });
    for (const key of ['n', 'logprobs', 'seed', 'frequency_penalty', 'x_vendor', 'stream_options']) expect(body[key]).toBeUndefined();
    expect(warnings).toEqual([
      'n 2 was dropped: the Messages API answers with one choice',
      'logprobs were dropped: the Messages API does not return them',
      'seed was dropped: the Messages API has no such field',
      'frequency_penalty was dropped: the Messages API has no such field',
      'x_vendor was dropped: the Messages API has no such field',
    ]);
  });

  it("copies an Anthropic client's own fields verbatim (they win) and forwards its headers", () => {
    const { body, headers } = convert('hi', {
      dialect: 'anthropic',
      passthrough: { reasoning_effort: 'low' },
      dialectFields: { thinking: { type: 'adaptive', display: 'omitted' }, output_config: { effort: 'max' }, context_management: { edits: [] }, top_k: 5, metadata: { user_id: 'x' } },
      dialectHeaders: { 'anthropic-beta': 'context-management-2025-06-27', 'x-api-key': 'client-key' },
    });
    expect(body).toMatchObject({ thinking: { type: 'adaptive', display: 'omitted' }, output_config: { effort: 'max' }, context_management: { edits: [] }, top_k: 5, metadata: { user_id: 'x' } });
    expect(headers).toEqual({ 'anthropic-beta': 'context-management-2025-06-27' });
    const foreign = convert('hi', { dialectFields: { thinking: { type: 'adaptive' } }, dialectHeaders: { 'anthropic-beta': 'x' } });
    expect(foreign.body['thinking']).toBeUndefined();
    expect(foreign.headers).toEqual({});
  });
});

describe('convertToAnthropicRequest: prompt caching', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
    { role: 'user', content: 'hi' },
  ];
  const fields = { tools: [weather, { ...weather, function: { name: 'other' } }] };

  it('auto: adds breakpoints on the last tool and the last system block when the request marks none', () => {
    const { body } = convert(messages, fields, { promptCaching: 'auto' });
    const tools = body['tools'] as Array<Record<string, unknown>>;
    const system = body['system'] as Array<Record<string, unknown>>;
    expect(tools.map((tool) => tool['cache_control'])).toEqual([undefined, { type: 'ephemeral' }]);
    expect(system.map((block) => block['cache_control'])).toEqual([undefined, { type: 'ephemeral' }]);
  });

  it('auto: leaves a request that marks any breakpoint as the client marked it', () => {
    const marked: ChatMessage[] = [messages[0] as ChatMessage, { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }];
    const { body } = convert(marked, fields, { promptCaching: 'auto' });
    expect(JSON.stringify(body['tools'])).not.toContain('cache_control');
    expect(JSON.stringify(body['system'])).not.toContain('cache_control');
  });

  it('off: adds none', () => {
    expect(JSON.stringify(convert(messages, fields, { promptCaching: 'off' }).body)).not.toContain('cache_control');
  });
});
