import { describe, expect, it } from 'vitest';
import { readModeration } from './read-openai-moderation.js';

const SOURCE = { provider: 'openai', model: 'mod' };

const result = (flags: Record<string, boolean | null>, scores: Record<string, number>, flagged = Object.values(flags).some(Boolean)) => ({ flagged, categories: flags, category_scores: scores });

describe('readModeration', () => {
  it('reads one result: the flag, the categories and their scores; no usage (the endpoint reports none)', () => {
    const json = { id: 'modr-1', model: 'omni-moderation-latest', results: [result({ violence: true, hate: false }, { violence: 0.91, hate: 0.02 })] };
    expect(readModeration(json, 1, SOURCE)).toEqual({ flagged: true, categories: { violence: true, hate: false }, scores: { violence: 0.91, hate: 0.02 }, usage: undefined });
  });

  it('merges several results: flagged if any input was, each category flagged if any input was, at its highest score', () => {
    const json = {
      results: [result({ violence: false, hate: true }, { violence: 0.2, hate: 0.7 }), result({ violence: true, hate: false }, { violence: 0.8, hate: 0.1 }), result({ violence: false, hate: false }, { violence: 0.01, hate: 0.01 })],
    };
    expect(readModeration(json, 3, SOURCE)).toEqual({ flagged: true, categories: { violence: true, hate: true }, scores: { violence: 0.8, hate: 0.7 }, usage: undefined });
  });

  it('leaves out a category flagged null (one the model does not assess)', () => {
    const json = { results: [result({ violence: false, illicit: null }, { violence: 0.1, illicit: 0 }, false)] };
    expect(readModeration(json, 1, SOURCE).categories).toEqual({ violence: false });
  });

  it.each([
    ['no results', { data: [] }, 1, 'has no `results` array'],
    ['a result short', { results: [result({}, {})] }, 2, 'has 1 results for 2 inputs'],
    ['no flagged', { results: [{ categories: {}, category_scores: {} }] }, 1, 'result 0 has no boolean `flagged`'],
    ['no categories', { results: [{ flagged: false, category_scores: {} }] }, 1, 'result 0 has no `categories` object'],
    ['a flag that is a string', { results: [{ flagged: true, categories: { violence: 'yes' }, category_scores: {} }] }, 1, 'result 0 has a category "violence" that is not a boolean'],
    ['no scores', { results: [{ flagged: false, categories: {} }] }, 1, 'result 0 has no `category_scores` object'],
    ['a score that is not a number', { results: [{ flagged: false, categories: {}, category_scores: { hate: '0.5' } }] }, 1, 'result 0 has a score for "hate" that is not a number'],
  ])('refuses an answer with %s as a protocol error', (_, json, inputs, why) => {
    expect(() => readModeration(json, inputs, SOURCE)).toThrow(`upstream moderations answer ${why}`);
    try {
      readModeration(json, inputs, SOURCE);
    } catch (error) {
      expect(error).toMatchObject({ kind: 'upstream_protocol', source: SOURCE });
    }
  });
});
