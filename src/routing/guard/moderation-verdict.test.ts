import { describe, expect, it } from 'vitest';
import { flaggedCategories, moderationInputs } from './moderation-verdict.js';

describe('moderationInputs', () => {
  it('takes the text of every user turn, one input each, and nothing else of the conversation', () => {
    expect(
      moderationInputs([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'tool', content: 'tool output', tool_call_id: 'call_1' },
        { role: 'user', content: [{ type: 'text', text: 'Look at' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }, { type: 'text', text: 'this' }] },
        { role: 'user', content: '' },
      ]),
    ).toEqual(['Hi', 'Look at\nthis']);
  });
});

describe('flaggedCategories', () => {
  const moderation = { flagged: true, categories: { violence: true, hate: false, 'self-harm/intent': true }, scores: { violence: 0.9, hate: 0.45, 'self-harm/intent': 0.3 }, usage: undefined };

  it('without a threshold: the categories the endpoint flagged', () => {
    expect(flaggedCategories(moderation, undefined)).toEqual(['violence', 'self-harm/intent']);
  });

  it('with a threshold: the categories scored at least that much, whatever the endpoint flagged', () => {
    expect(flaggedCategories(moderation, 0.4)).toEqual(['violence', 'hate']);
    expect(flaggedCategories(moderation, 0.45)).toEqual(['violence', 'hate']);
    expect(flaggedCategories(moderation, 0.95)).toEqual([]);
  });
});
