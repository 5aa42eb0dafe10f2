import { describe, expect, it } from 'vitest';
import { inHoldout, parseModelMap, parseScoredData, DataFileError, scoredModels } from './scored-data.js';

const line = (value: unknown): string => JSON.stringify(value);

describe('parseScoredData', () => {
  it('reads prompts, messages, costs and contamination, keeping line numbers', () => {
    const text = [
      line({ id: 'a', prompt: 'first', scores: { x: 1, y: 0 }, costs: { x: 0.01, y: 0.001 } }),
      '',
      line({ id: 7, messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'second' }], scores: { x: 0.5 }, contaminated: true }),
    ].join('\n');
    const [first, second] = parseScoredData(text, 'data.jsonl');
    expect(first).toEqual({ id: 'a', line: 1, messages: [{ role: 'user', content: 'first' }], scores: { x: 1, y: 0 }, costs: { x: 0.01, y: 0.001 }, contaminated: false });
    expect(second?.id).toBe('7');
    expect(second?.line).toBe(3);
    expect(second?.messages).toHaveLength(2);
    expect(second?.costs).toBeUndefined();
    expect(second?.contaminated).toBe(true);
  });

  it('prefers the prompt over the messages: the prompt is what the router saw', () => {
    const [example] = parseScoredData(line({ id: 'm', prompt: 'turn one', messages: [{ role: 'user', content: 'turn two' }], scores: { x: 1 } }), 'd');
    expect(example?.messages).toEqual([{ role: 'user', content: 'turn one' }]);
  });

  it('reports every bad line with file:line and what was expected', () => {
    const text = [
      '{not json',
      line({ id: 'b', scores: { x: 1 } }),
      line({ id: 'c', prompt: 'p', scores: { x: 1.5 } }),
      line({ id: 'd', prompt: 'p', scores: {} }),
      line({ id: 'e', prompt: 'p', scores: { x: 1 } }),
      line({ id: 'e', prompt: 'q', scores: { x: 0 } }),
    ].join('\n');
    let message = '';
    try {
      parseScoredData(text, 'data.jsonl');
    } catch (error) {
      expect(error).toBeInstanceOf(DataFileError);
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid scored data (5 problems)');
    expect(message).toContain('data.jsonl:1: not valid JSON');
    expect(message).toContain('data.jsonl:2: expected "prompt" or "messages"');
    expect(message).toMatch(/data\.jsonl:3: scores\.x: .*1/);
    expect(message).toContain('data.jsonl:4: scores: expected at least one model score');
    expect(message).toContain('data.jsonl:6: id "e" repeats the id of line 5');
  });

  it('refuses a file without examples', () => {
    expect(() => parseScoredData('\n\n', 'empty.jsonl')).toThrow('empty.jsonl: no scored data');
  });
});

describe('scoredModels', () => {
  it('separates models scored on every example from those scored on some', () => {
    const examples = parseScoredData([line({ id: 1, prompt: 'a', scores: { x: 1, y: 0 } }), line({ id: 2, prompt: 'b', scores: { x: 0 } })].join('\n'), 'd');
    expect(scoredModels(examples)).toEqual({ complete: ['x'], partial: ['y'] });
  });
});

describe('parseModelMap', () => {
  it('maps data names to catalog names, keeping slashes in the data name', () => {
    expect(parseModelMap(['mistralai/Mixtral-8x7B=mixtral', 'a=b'])).toEqual(new Map([['mistralai/Mixtral-8x7B', 'mixtral'], ['a', 'b']]));
    expect(parseModelMap(undefined).size).toBe(0);
  });

  it('rejects a pair without both sides', () => {
    expect(() => parseModelMap(['novalue='])).toThrow('--map expects DATA_MODEL=CATALOG_MODEL, got "novalue="');
    expect(() => parseModelMap(['=x'])).toThrow(DataFileError);
    expect(() => parseModelMap(['plain'])).toThrow(DataFileError);
  });
});

describe('inHoldout', () => {
  const ids = Array.from({ length: 10_000 }, (_, index) => `id-${index}`);

  it('holds out about the asked share, the same ids every time', () => {
    const held = ids.filter((id) => inHoldout(id, 0.2, 1));
    expect(held.length / ids.length).toBeGreaterThan(0.18);
    expect(held.length / ids.length).toBeLessThan(0.22);
    expect(ids.filter((id) => inHoldout(id, 0.2, 1))).toEqual(held);
  });

  it('nests: a larger share holds out a superset, and another seed another split', () => {
    const small = ids.filter((id) => inHoldout(id, 0.1, 1));
    const large = new Set(ids.filter((id) => inHoldout(id, 0.3, 1)));
    expect(small.every((id) => large.has(id))).toBe(true);
    const other = ids.filter((id) => inHoldout(id, 0.1, 2));
    expect(other).not.toEqual(small);
  });

  it('holds out nothing at 0 and everything at 1', () => {
    expect(ids.some((id) => inHoldout(id, 0, 1))).toBe(false);
    expect(ids.every((id) => inHoldout(id, 1, 1))).toBe(true);
  });
});
