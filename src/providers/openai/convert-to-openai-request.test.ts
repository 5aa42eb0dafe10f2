import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest } from '../../spec/chat-request.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';

function request(passthrough: Record<string, unknown>, messages: ChatMessage[] = [{ role: 'user', content: 'hi' }]): ChatRequest {
  return createChatRequest('router/auto', messages, { passthrough });
}

describe('convertToOpenAIRequest', () => {
  it('keeps passthrough fields verbatim', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const body = convertToOpenAIRequest(
      request({ temperature: 0.2, max_tokens: 100, tools, response_format: { type: 'json_object' }, x_custom: { a: [1, 2] } }),
      'gpt-wire',
      false,
    ).body;
    expect(body).toEqual({
      model: 'gpt-wire',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      max_tokens: 100,
      tools,
      response_format: { type: 'json_object' },
      x_custom: { a: [1, 2] },
    });
    expect(body['tools']).toBe(tools);
  });

  it('sends the wire model id, not the model the client named', () => {
    expect(convertToOpenAIRequest(request({}), 'acme-large-2025', false).body['model']).toBe('acme-large-2025');
  });

  it('replaces a model field smuggled into passthrough with the wire id', () => {
    expect(convertToOpenAIRequest(request({ model: 'client-model' }), 'wire-id', false).body['model']).toBe('wire-id');
  });

  it("sends the request's messages, replacing any messages field in passthrough", () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'route prompt' },
      { role: 'user', content: 'question' },
    ];
    const body = convertToOpenAIRequest(request({ messages: [{ role: 'user', content: 'stale' }] }, messages), 'wire', false).body;
    expect(body['messages']).toBe(messages);
  });

  it('sets stream: true and include_usage for a stream', () => {
    const body = convertToOpenAIRequest(request({}), 'wire', true).body;
    expect(body['stream']).toBe(true);
    expect(body['stream_options']).toEqual({ include_usage: true });
  });

  it("merges the client's stream_options with include_usage: true", () => {
    const clientOptions = { include_obfuscation: false, include_usage: false };
    const body = convertToOpenAIRequest(request({ stream_options: clientOptions }), 'wire', true).body;
    expect(body['stream_options']).toEqual({ include_obfuscation: false, include_usage: true });
    // The client's object is not mutated.
    expect(clientOptions).toEqual({ include_obfuscation: false, include_usage: false });
  });

  it('ignores a client stream_options that is not an object', () => {
    expect(convertToOpenAIRequest(request({ stream_options: null }), 'wire', true).body['stream_options']).toEqual({ include_usage: true });
    expect(convertToOpenAIRequest(request({ stream_options: 'yes' }), 'wire', true).body['stream_options']).toEqual({ include_usage: true });
  });

  it('removes stream and stream_options from a non-streaming request', () => {
    const body = convertToOpenAIRequest(request({ stream: true, stream_options: { include_usage: true }, temperature: 1 }), 'wire', false).body;
    expect('stream' in body).toBe(false);
    expect('stream_options' in body).toBe(false);
    expect(body['temperature']).toBe(1);
  });

  it('does not mutate the passthrough object', () => {
    const passthrough = { stream_options: { include_usage: false }, top_p: 0.9 };
    convertToOpenAIRequest(request(passthrough), 'wire', true);
    convertToOpenAIRequest(request(passthrough), 'wire', false);
    expect(passthrough).toEqual({ stream_options: { include_usage: false }, top_p: 0.9 });
  });

  it("sends an OpenAI client's extras verbatim, with no warning", () => {
    const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }];
    const converted = convertToOpenAIRequest(request({}, messages), 'wire', false);
    expect(converted.body['messages']).toBe(messages);
    expect(converted.warnings).toBeUndefined();
  });

  it('drops what Chat Completions cannot say from a request of another dialect, with a warning for each kind', () => {
    const tools = [
      { type: 'function', function: { name: 'f' }, cache_control: { type: 'ephemeral' as const }, defer_loading: true },
      { type: 'web_search_20250305', name: 'web_search' },
    ];
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
      { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] },
      { role: 'assistant', content: 'ok', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 'sig' }], tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' }, cache_control: { type: 'ephemeral' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'boom', is_error: true },
    ];
    const canonical: ChatRequest = {
      ...createChatRequest('router/auto', messages, { passthrough: { tools, max_tokens: 10 }, tools }),
      dialect: 'anthropic',
      dialectFields: { thinking: { type: 'enabled', budget_tokens: 1024 }, top_k: 5 },
      dialectHeaders: { 'anthropic-beta': 'x' },
    };
    const { body, warnings } = convertToOpenAIRequest(canonical, 'wire', false);
    expect(body['messages']).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'S' }] },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: 'ok', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'boom' },
    ]);
    expect(body['tools']).toEqual([{ type: 'function', function: { name: 'f' } }]);
    expect(body).not.toHaveProperty('thinking');
    expect(body).not.toHaveProperty('top_k');
    expect(warnings).toEqual([
      'dropped 3 cache_control breakpoint(s): OpenAI-compatible upstreams cache prompt prefixes by themselves',
      'dropped 1 thinking block(s) of earlier turns: their signatures are only valid at the vendor that made them',
      'dropped is_error from 1 tool result(s): Chat Completions has no such flag',
      'dropped content of kinds Chat Completions does not take: document',
      'dropped tools the upstream cannot run (web_search_20250305): only function tools pass',
      'dropped tool fields Chat Completions does not take: defer_loading',
      'dropped anthropic fields with no Chat Completions equivalent: thinking, top_k',
      'dropped anthropic headers: anthropic-beta',
    ]);
    // The client's request is left as it came.
    expect(messages[0]?.content).toEqual([{ type: 'text', text: 'S', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
  });

  it("drops a Responses client's reasoning and built-in tool items, which Chat Completions has no form for, with a warning", () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'ok', responses_items: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'e' }, { type: 'web_search_call', id: 'ws_1' }] },
      { role: 'user', content: 'more' },
    ];
    const { body, warnings } = convertToOpenAIRequest({ ...createChatRequest('m', messages), dialect: 'responses' }, 'wire', false);
    expect(body['messages']).toEqual([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }]);
    expect(warnings).toEqual(['dropped 2 Responses API item(s) of earlier turns (reasoning, built-in tool calls): Chat Completions has no such items']);
  });

  it('sends neither tools nor tool settings when every tool of the request was one Chat Completions cannot run', () => {
    const tools = [{ type: 'web_search' }];
    const base = createChatRequest('m', [{ role: 'user', content: 'hi' }], { passthrough: { tools, tool_choice: 'auto', parallel_tool_calls: true, temperature: 0 } });
    const { body, warnings } = convertToOpenAIRequest({ ...base, tools, dialect: 'responses' }, 'wire', false);
    expect(body).toEqual({ model: 'wire', messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
    expect(warnings).toEqual(['dropped tools the upstream cannot run (web_search): only function tools pass']);
  });
});
