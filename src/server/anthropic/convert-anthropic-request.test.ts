import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../errors/request-errors.js';
import { asksForThinking } from '../../routing/signals/asks-for-thinking.js';
import { requestTraits } from '../../routing/signals/request-traits.js';
import { toAnthropicChatRequest } from './convert-anthropic-request.js';

const convert = (body: unknown, beta?: string): ReturnType<typeof toAnthropicChatRequest> => toAnthropicChatRequest(body, { requireMaxTokens: true, beta });

const CACHE = { type: 'ephemeral' } as const;

/** A Claude Code-shaped turn, built from the SDK's types: system blocks with breakpoints, thinking, tools, a system message last. */
const claudeCodeTurn = {
  model: 'claude-opus-4-8',
  max_tokens: 32000,
  stream: true,
  system: [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1' },
    { type: 'text', text: 'You are Claude Code.', cache_control: CACHE },
  ],
  thinking: { type: 'adaptive', display: 'omitted' },
  context_management: { edits: [{ type: 'clear_thinking_20251015' }] },
  output_config: { effort: 'high' },
  metadata: { user_id: '{"device_id":"abc","session_id":"s1"}' },
  tools: [
    { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } }, cache_control: CACHE },
    { name: 'Later', input_schema: { type: 'object' }, defer_loading: true },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
  ],
  tool_choice: { type: 'auto' },
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'List the files.', cache_control: CACHE }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should run ls.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Running ls.' },
        { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' }, cache_control: CACHE },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt\nb.txt' }], is_error: true, cache_control: CACHE },
        { type: 'text', text: 'Now read a.txt' },
      ],
    },
    { role: 'system', content: [{ type: 'text', text: '<env>cwd: /repo</env>', cache_control: CACHE }] },
  ],
  top_k: 5,
  some_future_field: { kept: true },
} satisfies Omit<Anthropic.MessageCreateParamsStreaming, 'messages' | 'thinking'> & Record<string, unknown>;

describe('toAnthropicChatRequest', () => {
  it('converts a Claude Code-shaped turn into the canonical request, losing nothing', () => {
    const request = convert(claudeCodeTurn, 'claude-code-20250219,interleaved-thinking-2025-05-14');
    expect(request.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1' }, { type: 'text', text: 'You are Claude Code.', cache_control: CACHE }] },
      { role: 'user', content: [{ type: 'text', text: 'List the files.', cache_control: CACHE }] },
      {
        role: 'assistant',
        content: 'Running ls.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' }, cache_control: CACHE }],
        thinking_blocks: [
          { type: 'thinking', thinking: 'I should run ls.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'opaque' },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt\nb.txt', is_error: true, cache_control: CACHE },
      { role: 'user', content: 'Now read a.txt' },
      // Kept a system message, in its place: never folded into the user's turn.
      { role: 'system', content: [{ type: 'text', text: '<env>cwd: /repo</env>', cache_control: CACHE }] },
    ]);
    const tools = [
      { type: 'function', function: { name: 'Bash', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } } } }, cache_control: CACHE },
      { type: 'function', function: { name: 'Later', parameters: { type: 'object' } }, defer_loading: true },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ];
    expect(request.tools).toEqual(tools);
    expect(request.passthrough).toEqual({ max_tokens: 32000, tools, tool_choice: 'auto' });
    expect(request.dialectFields).toEqual({
      thinking: { type: 'adaptive', display: 'omitted' },
      context_management: claudeCodeTurn.context_management,
      output_config: { effort: 'high' },
      metadata: claudeCodeTurn.metadata,
      top_k: 5,
      some_future_field: { kept: true },
    });
    expect(request).toMatchObject({
      model: 'claude-opus-4-8',
      stream: true,
      includeUsage: true,
      maxOutputTokens: 32000,
      dialect: 'anthropic',
      dialectHeaders: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' },
      metadata: { user_id: claudeCodeTurn.metadata.user_id },
    });
    // The routing conditions see it: tools, and thinking asked for.
    expect(asksForThinking(request)).toBe(true);
    expect(requestTraits(request).hasTools()).toBe(true);
  });

  it('translates sampling, stop sequences and each tool_choice', () => {
    const base = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    expect(convert({ ...base, temperature: 0.2, top_p: 0.9, stop_sequences: ['END'] }).passthrough).toEqual({ max_tokens: 10, temperature: 0.2, top_p: 0.9, stop: ['END'] });
    const choice = (tool_choice: unknown): unknown => {
      const { tool_choice: out, parallel_tool_calls: parallel } = convert({ ...base, tool_choice }).passthrough;
      return parallel === undefined ? out : [out, parallel];
    };
    expect(choice({ type: 'auto' })).toBe('auto');
    expect(choice({ type: 'any', disable_parallel_tool_use: true })).toEqual(['required', false]);
    expect(choice({ type: 'none' })).toBe('none');
    expect(choice({ type: 'tool', name: 'f' })).toEqual({ type: 'function', function: { name: 'f' } });
    expect(convert({ ...base, thinking: { type: 'disabled' } }).dialectFields).toEqual({ thinking: { type: 'disabled' } });
    expect(asksForThinking(convert({ ...base, thinking: { type: 'disabled' } }))).toBe(false);
    expect(convert(base).dialectHeaders).toBeUndefined();
  });

  it('turns images and documents into image_url and file parts with data: URLs, and keeps what it cannot translate', () => {
    const pdf = Buffer.from('%PDF-1.4').toString('base64');
    const request = convert({
      model: 'm',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' }, cache_control: CACHE },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'Report', citations: { enabled: true } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
            { type: 'search_result', source: 'https://example.com', title: 'T', content: [{ type: 'text', text: 'found' }] },
          ],
        },
      ],
    });
    expect(request.messages[0]?.content).toEqual([
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' }, cache_control: CACHE },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'Report' }, title: 'Report', citations: { enabled: true } },
      { type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from('plain words').toString('base64')}` } },
      { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
      { type: 'search_result', source: 'https://example.com', title: 'T', content: [{ type: 'text', text: 'found' }] },
    ]);
    expect(requestTraits(request).hasImages()).toBe(true);
  });

  it('makes one tool message per tool result, before the rest of the turn, with parts and images', () => {
    const request = convert({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }, { type: 'tool_use', id: 'b', name: 'g', input: { x: 1 } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'a' },
            { type: 'tool_result', tool_use_id: 'b', content: [{ type: 'text', text: 'see' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'QQ==' } }] },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: '' },
      { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,QQ==' } }] },
    ]);
  });

  it('does not require max_tokens where it is not (count_tokens)', () => {
    const request = toAnthropicChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { requireMaxTokens: false, beta: undefined });
    expect(request.maxOutputTokens).toBeUndefined();
    expect(request.passthrough).toEqual({});
  });

  it.each([
    ['a missing max_tokens', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, 'max_tokens: Field required'],
    ['a missing model', { max_tokens: 5, messages: [] }, 'model: missing: expected a string'],
    ['a role the API does not have', { model: 'm', max_tokens: 5, messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.role: expected one of "user", "assistant", "system"'],
    [
      'a tool result for no tool use',
      { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x' }] }] },
      'messages.0.content.0.tool_use_id: tool_result block for tool use "toolu_x", which no earlier assistant tool_use block has',
    ],
    ['an unknown block type', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'messages.0.content.0.type: unknown content block type "video"'],
    ['an unknown block type in a tool result', { model: 'm', max_tokens: 5, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'video' }] }] }] }, 'messages.1.content.0.content.0.type: unknown content block type "video"'],
    ['a text block without text', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages.0.content.0.text: Field required'],
    ['an image without a source', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'messages.0.content.0.source: Field required'],
    ['a client tool without input_schema', { model: 'm', max_tokens: 5, tools: [{ name: 'f' }], messages: [{ role: 'user', content: 'x' }] }, 'tools.0.input_schema: Field required'],
    ['a named tool_choice without its name', { model: 'm', max_tokens: 5, tool_choice: { type: 'tool' }, messages: [{ role: 'user', content: 'x' }] }, 'tool_choice.name: Field required'],
  ])('refuses %s, naming the field', (_name, body, message) => {
    const thrown = (() => {
      try {
        convert(body);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidRequestError);
    expect((thrown as InvalidRequestError).message).toContain(`Invalid request: ${message}`);
  });
});
