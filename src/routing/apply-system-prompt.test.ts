import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-request.js';
import { applySystemPrompt } from './apply-system-prompt.js';

const ROUTE = 'Answer briefly.';
const isInstruction = (message: ChatMessage): boolean => message.role === 'system' || message.role === 'developer';

describe('applySystemPrompt', () => {
  describe('prepend', () => {
    it('inserts a system message first when there is none', () => {
      expect(applySystemPrompt([{ role: 'user', content: 'hi' }], ROUTE, 'prepend')).toEqual([
        { role: 'system', content: ROUTE },
        { role: 'user', content: 'hi' },
      ]);
    });

    it("puts the route's text before the client's system text, separated by a blank line", () => {
      const out = applySystemPrompt(
        [
          { role: 'system', content: 'You are a pirate.' },
          { role: 'user', content: 'hi' },
        ],
        ROUTE,
        'prepend',
      );
      expect(out).toEqual([
        { role: 'system', content: `${ROUTE}\n\nYou are a pirate.` },
        { role: 'user', content: 'hi' },
      ]);
    });

    it('merges into a developer message and keeps its role', () => {
      const out = applySystemPrompt(
        [
          { role: 'developer', content: 'Use JSON.' },
          { role: 'user', content: 'hi' },
        ],
        ROUTE,
        'prepend',
      );
      expect(out).toEqual([
        { role: 'developer', content: `${ROUTE}\n\nUse JSON.` },
        { role: 'user', content: 'hi' },
      ]);
    });

    it('merges into an instruction message that is not first, in place', () => {
      const out = applySystemPrompt(
        [
          { role: 'user', content: 'hi' },
          { role: 'system', content: 'late' },
        ],
        ROUTE,
        'prepend',
      );
      expect(out).toEqual([
        { role: 'user', content: 'hi' },
        { role: 'system', content: `${ROUTE}\n\nlate` },
      ]);
    });

    it('adds a text part first to array content', () => {
      const out = applySystemPrompt(
        [
          { role: 'system', content: [{ type: 'text', text: 'client', cache_control: { type: 'ephemeral' } }] },
          { role: 'user', content: 'hi' },
        ],
        ROUTE,
        'prepend',
      );
      expect(out[0]).toEqual({
        role: 'system',
        content: [
          { type: 'text', text: ROUTE },
          { type: 'text', text: 'client', cache_control: { type: 'ephemeral' } },
        ],
      });
    });

    it('uses the text alone when the existing content is empty or null', () => {
      expect(applySystemPrompt([{ role: 'system', content: '' }], ROUTE, 'prepend')).toEqual([{ role: 'system', content: ROUTE }]);
      expect(applySystemPrompt([{ role: 'system', content: null }], ROUTE, 'prepend')).toEqual([{ role: 'system', content: ROUTE }]);
    });

    it('keeps other fields of the merged message', () => {
      const out = applySystemPrompt([{ role: 'system', content: 'c', name: 'ops' }], ROUTE, 'prepend');
      expect(out[0]).toEqual({ role: 'system', content: `${ROUTE}\n\nc`, name: 'ops' });
    });
  });

  describe('append', () => {
    it('inserts a system message first when there is none', () => {
      expect(applySystemPrompt([{ role: 'user', content: 'hi' }], ROUTE, 'append')).toEqual([
        { role: 'system', content: ROUTE },
        { role: 'user', content: 'hi' },
      ]);
    });

    it("puts the route's text after the client's system text, separated by a blank line", () => {
      expect(applySystemPrompt([{ role: 'system', content: 'You are a pirate.' }], ROUTE, 'append')).toEqual([
        { role: 'system', content: `You are a pirate.\n\n${ROUTE}` },
      ]);
    });

    it('merges into a developer message and keeps its role', () => {
      expect(applySystemPrompt([{ role: 'developer', content: 'Use JSON.' }], ROUTE, 'append')).toEqual([
        { role: 'developer', content: `Use JSON.\n\n${ROUTE}` },
      ]);
    });

    it('adds a text part last to array content', () => {
      const out = applySystemPrompt([{ role: 'system', content: [{ type: 'text', text: 'client' }] }], ROUTE, 'append');
      expect(out[0]?.content).toEqual([
        { type: 'text', text: 'client' },
        { type: 'text', text: ROUTE },
      ]);
    });
  });

  describe('replace', () => {
    it('inserts a system message first when there is none', () => {
      expect(applySystemPrompt([{ role: 'user', content: 'hi' }], ROUTE, 'replace')).toEqual([
        { role: 'system', content: ROUTE },
        { role: 'user', content: 'hi' },
      ]);
    });

    it("drops the client's system and developer messages and puts the route's text first", () => {
      const out = applySystemPrompt(
        [
          { role: 'developer', content: 'dev' },
          { role: 'user', content: 'q1' },
          { role: 'system', content: 'sys' },
          { role: 'assistant', content: 'a1' },
        ],
        ROUTE,
        'replace',
      );
      expect(out).toEqual([
        { role: 'system', content: ROUTE },
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
      ]);
    });
  });

  it.each(['prepend', 'append', 'replace'] as const)('%s does not mutate the input array or its messages', (merge) => {
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'client' }] },
      { role: 'developer', content: 'dev' },
      { role: 'user', content: 'hi' },
    ];
    const copy = structuredClone(messages);
    const out = applySystemPrompt(messages, ROUTE, merge);
    expect(messages).toEqual(copy);
    expect(out).not.toBe(messages);
  });

  it.each(['prepend', 'append', 'replace'] as const)('%s leaves exactly one instruction message when the client sent one', (merge) => {
    for (const role of ['system', 'developer'] as const) {
      const out = applySystemPrompt(
        [
          { role: 'user', content: 'q' },
          { role, content: 'client' },
          { role: 'assistant', content: 'a' },
        ],
        ROUTE,
        merge,
      );
      expect(out.filter(isInstruction), `${merge} with ${role}`).toHaveLength(1);
      expect(out).toHaveLength(3);
    }
  });

  it('merges into the first instruction message only', () => {
    const out = applySystemPrompt(
      [
        { role: 'system', content: 'one' },
        { role: 'developer', content: 'two' },
      ],
      ROUTE,
      'append',
    );
    expect(out).toEqual([
      { role: 'system', content: `one\n\n${ROUTE}` },
      { role: 'developer', content: 'two' },
    ]);
  });
});
