import { describe, expect, it } from 'vitest';
import { compileCondition, type MatchInput } from './compile-condition.js';
import { requestTraits } from './request-traits.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import type { ChatMessage, ChatRequest } from '../../spec/chat-request.js';

/** A match input whose complexity is fixed, to test the bounds exactly. */
function withComplexity(score: number): MatchInput & { calls: number } {
  const input = {
    calls: 0,
    text: () => 'some text',
    complexity: () => {
      input.calls++;
      return score;
    },
    metadata: undefined,
    requestedModel: 'auto',
    request: requestTraits(createChatRequest('auto', 'some text')),
    tokens: undefined,
  };
  return input;
}

/** The match input routing builds for a request (text and complexity unused by these tests). */
function inputOf(request: ChatRequest): MatchInput {
  return { text: () => 'hello', complexity: () => 0, metadata: undefined, requestedModel: request.model, request: requestTraits(request), tokens: undefined };
}

describe('complexity condition', () => {
  const between = compileCondition({ complexity: { min: 0.3, max: 0.7 } });

  it('matches inside the range and at both bounds, with the score as evidence', () => {
    expect(between(withComplexity(0.5))).toEqual([{ signal: 'complexity', score: 0.5 }]);
    expect(between(withComplexity(0.3))).toEqual([{ signal: 'complexity', score: 0.3 }]);
    expect(between(withComplexity(0.7))).toEqual([{ signal: 'complexity', score: 0.7 }]);
  });

  it('does not match outside the range', () => {
    expect(between(withComplexity(0.29999))).toBeUndefined();
    expect(between(withComplexity(0.70001))).toBeUndefined();
  });

  it('leaves an open side unbounded', () => {
    expect(compileCondition({ complexity: { min: 0.9 } })(withComplexity(1))).toEqual([{ signal: 'complexity', score: 1 }]);
    expect(compileCondition({ complexity: { min: 0.9 } })(withComplexity(0.89))).toBeUndefined();
    expect(compileCondition({ complexity: { max: 0.1 } })(withComplexity(0))).toEqual([{ signal: 'complexity', score: 0 }]);
    expect(compileCondition({ complexity: { max: 0.1 } })(withComplexity(0.11))).toBeUndefined();
  });

  it('rounds the evidence to 4 decimals', () => {
    expect(between(withComplexity(0.456789))).toEqual([{ signal: 'complexity', score: 0.4568 }]);
  });

  it('is not computed when an earlier test of the same `when` already matched', () => {
    const input = withComplexity(0.5);
    expect(compileCondition({ keywords: ['some'], complexity: { min: 0.3 } })(input)).toEqual([{ signal: 'keywords', match: 'some' }]);
    expect(input.calls).toBe(0);
  });
});

describe('requested_model condition', () => {
  it('matches a glob on the model name the client sent, with the glob as evidence', () => {
    const haiku = compileCondition({ requested_model: 'claude-*haiku*' });
    expect(haiku(inputOf(createChatRequest('claude-3-5-haiku-latest', 'hi')))).toEqual([{ signal: 'requested_model', glob: 'claude-*haiku*' }]);
    expect(haiku(inputOf(createChatRequest('Claude-Haiku-4-5', 'hi')))).toEqual([{ signal: 'requested_model', glob: 'claude-*haiku*' }]);
    expect(haiku(inputOf(createChatRequest('claude-opus-4-8', 'hi')))).toBeUndefined();
  });

  it('takes a list of globs and reports the first that matches', () => {
    const either = compileCondition({ requested_model: ['gpt-4o', 'claude-*', '*'] });
    expect(either(inputOf(createChatRequest('claude-opus-4-8', 'hi')))).toEqual([{ signal: 'requested_model', glob: 'claude-*' }]);
    expect(either(inputOf(createChatRequest('gpt-4o', 'hi')))).toEqual([{ signal: 'requested_model', glob: 'gpt-4o' }]);
    expect(compileCondition({ requested_model: ['gpt-4o', 'o3'] })(inputOf(createChatRequest('gpt-4o-mini', 'hi')))).toBeUndefined();
  });
});

describe('has_tools, has_images and thinking conditions', () => {
  const tool = { type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } };
  const withImage: ChatMessage = {
    role: 'user',
    content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
  };
  const image = createChatRequest('auto', [withImage]);
  const plain = createChatRequest('auto', 'hello');

  it('has_tools: true holds when the request declares tools (or legacy functions), false when it declares none', () => {
    const withTools = compileCondition({ has_tools: true });
    expect(withTools(inputOf(createChatRequest('auto', 'hi', { tools: [tool] })))).toEqual([{ signal: 'has_tools', value: true }]);
    expect(withTools(inputOf(createChatRequest('auto', 'hi', { passthrough: { functions: [tool.function] } })))).toEqual([{ signal: 'has_tools', value: true }]);
    expect(withTools(inputOf(createChatRequest('auto', 'hi', { tools: [] })))).toBeUndefined();
    expect(withTools(inputOf(plain))).toBeUndefined();
    expect(compileCondition({ has_tools: false })(inputOf(plain))).toEqual([{ signal: 'has_tools', value: false }]);
    expect(compileCondition({ has_tools: false })(inputOf(createChatRequest('auto', 'hi', { tools: [tool] })))).toBeUndefined();
  });

  it('has_images: true holds when any message has an image part', () => {
    const history = createChatRequest('auto', [withImage, { role: 'assistant', content: 'a cat' }, { role: 'user', content: 'and now?' }]);
    expect(compileCondition({ has_images: true })(inputOf(image))).toEqual([{ signal: 'has_images', value: true }]);
    expect(compileCondition({ has_images: true })(inputOf(history))).toEqual([{ signal: 'has_images', value: true }]);
    expect(compileCondition({ has_images: true })(inputOf(plain))).toBeUndefined();
    const audio = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } };
    expect(compileCondition({ has_images: true })(inputOf(createChatRequest('auto', [{ role: 'user', content: [{ type: 'text', text: 'no image' }, audio] }])))).toBeUndefined();
    expect(compileCondition({ has_images: false })(inputOf(plain))).toEqual([{ signal: 'has_images', value: false }]);
    expect(compileCondition({ has_images: false })(inputOf(image))).toBeUndefined();
  });

  it('thinking: true holds when the client asked for reasoning', () => {
    const thinking = compileCondition({ thinking: true });
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { reasoning_effort: 'high' } })))).toEqual([{ signal: 'thinking', value: true }]);
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { reasoning_effort: 'minimal' } })))).toEqual([{ signal: 'thinking', value: true }]);
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { thinking: { type: 'enabled', budget_tokens: 4096 } } })))).toEqual([{ signal: 'thinking', value: true }]);
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { reasoning_effort: 'none' } })))).toBeUndefined();
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { thinking: { type: 'disabled' } } })))).toBeUndefined();
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { reasoning_effort: null } })))).toBeUndefined();
    expect(thinking(inputOf(createChatRequest('auto', 'hi', { passthrough: { reasoning_effort: false } })))).toBeUndefined();
    expect(thinking(inputOf(plain))).toBeUndefined();
    expect(compileCondition({ thinking: false })(inputOf(plain))).toEqual([{ signal: 'thinking', value: false }]);
  });

  it('combines with all: a tool-less request for a haiku model', () => {
    const background = compileCondition({ all: [{ requested_model: 'claude-*haiku*' }, { has_tools: false }] });
    expect(background(inputOf(createChatRequest('claude-3-5-haiku-latest', 'hi')))).toEqual([
      { signal: 'requested_model', glob: 'claude-*haiku*' },
      { signal: 'has_tools', value: false },
    ]);
    expect(background(inputOf(createChatRequest('claude-3-5-haiku-latest', 'hi', { tools: [tool] })))).toBeUndefined();
  });

  it('does not read the messages or the text when the requested model already matched', () => {
    const text = { calls: 0 };
    const request = createChatRequest('claude-3-5-haiku-latest', 'hi');
    const traits = requestTraits(request);
    let imageReads = 0;
    const input: MatchInput = {
      text: () => {
        text.calls++;
        return 'hi';
      },
      complexity: () => 0,
      metadata: undefined,
      tokens: undefined,
      requestedModel: request.model,
      request: { ...traits, hasImages: () => (imageReads++, traits.hasImages()) },
    };
    expect(compileCondition({ keywords: ['hi'], has_images: false, requested_model: 'claude-*' })(input)).toEqual([{ signal: 'requested_model', glob: 'claude-*' }]);
    expect(text.calls).toBe(0);
    expect(imageReads).toBe(0);
  });
});

describe('requestTraits', () => {
  it('reads the messages for images once, however many routes ask', () => {
    let reads = 0;
    const messages = [{ role: 'user' as const, content: [{ type: 'text', text: 'x' }] }];
    const counted = new Proxy(messages, {
      get(target, key, receiver) {
        if (key === 'some') reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const traits = requestTraits(createChatRequest('auto', counted));
    expect([traits.hasImages(), traits.hasImages(), traits.hasImages()]).toEqual([false, false, false]);
    expect(reads).toBe(1);
  });
});
