import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-request.js';
import { extractRoutingText, messageText } from './extract-routing-text.js';

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: 'first question' },
  { role: 'assistant', content: 'first answer' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'second' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      { type: 'text', text: 'question' },
    ],
  },
  { role: 'tool', content: 'tool output', tool_call_id: 'c1' },
];

describe('messageText', () => {
  it('returns string content as is', () => {
    expect(messageText({ role: 'user', content: 'plain' })).toBe('plain');
  });

  it('joins text parts with newlines and skips parts without text', () => {
    expect(
      messageText({
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          { type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toBe('a\nb');
  });

  it('returns "" for null, missing or image-only content', () => {
    expect(messageText({ role: 'assistant', content: null })).toBe('');
    expect(messageText({ role: 'assistant' })).toBe('');
    expect(messageText({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] })).toBe('');
  });
});

describe('extractRoutingText', () => {
  it('last_user picks the last user message, flattening its text parts and ignoring images', () => {
    expect(extractRoutingText(CONVERSATION, 'last_user')).toBe('second\nquestion');
  });

  it('last_user returns the string content of the last user message', () => {
    expect(
      extractRoutingText(
        [
          { role: 'user', content: 'old' },
          { role: 'assistant', content: 'reply' },
          { role: 'user', content: 'new' },
          { role: 'assistant', content: 'later' },
        ],
        'last_user',
      ),
    ).toBe('new');
  });

  it('user joins the text of every user message in order, and nothing else', () => {
    expect(extractRoutingText(CONVERSATION, 'user')).toBe('first question\nsecond\nquestion');
  });

  it('user skips user messages without text', () => {
    expect(
      extractRoutingText(
        [
          { role: 'user', content: 'a' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          { role: 'user', content: 'b' },
        ],
        'user',
      ),
    ).toBe('a\nb');
  });

  it('all includes system, assistant and tool text', () => {
    expect(extractRoutingText(CONVERSATION, 'all')).toBe(
      'You are helpful.\nfirst question\nfirst answer\nsecond\nquestion\ntool output',
    );
  });

  it.each(['last_user', 'user'] as const)('%s returns "" when there is no user message', (matchOn) => {
    expect(
      extractRoutingText(
        [
          { role: 'system', content: 'sys' },
          { role: 'assistant', content: 'hello' },
        ],
        matchOn,
      ),
    ).toBe('');
  });

  it.each(['last_user', 'user', 'all'] as const)('%s returns "" for no messages', (matchOn) => {
    expect(extractRoutingText([], matchOn)).toBe('');
  });
});
