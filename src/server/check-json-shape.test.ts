import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors/request-errors.js';
import { checkJsonShape } from './check-json-shape.js';

const LIMITS = { maxJsonDepth: 8, maxMessages: 3 };

function check(text: string): InvalidRequestError | undefined {
  try {
    checkJsonShape(Buffer.from(text), LIMITS);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
}

describe('checkJsonShape', () => {
  it('accepts a body at the depth limit and refuses one level more, naming the path', () => {
    expect(check('{"a":[[[[[[{}]]]]]]}')).toBeUndefined();
    const error = check('{"a":[[[[[[[{}]]]]]]]}');
    expect(error).toMatchObject({ param: 'a[0][0][0][0][0][0][0]', code: 'json_too_deep' });
    expect(error?.message).toContain('nested more than 8 levels deep');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(check(`{"a":"${'[{'.repeat(50)}","b":"\\"[[[[[[[[[[[[","c\\\\":[[["\\\\"]]]}`)).toBeUndefined();
    // The key holds an escaped quote: the string does not end there, and the next bracket counts again.
    expect(check(`{"k\\"[[[[[[[[[[":${'['.repeat(9)}${']'.repeat(9)}}`)?.param).toBe('k"[[[[[[[[[[[0][0][0][0][0][0][0]');
  });

  it('shows at most the start of a very deep or very long path', () => {
    const error = check(`{"${'k'.repeat(5_000)}":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(error?.param?.length).toBeLessThanOrEqual(103);
    expect(error?.param).toMatch(/^k{100}\.\.\./);
  });

  it('counts the top-level messages, however the key is spelt, and nothing else', () => {
    const messages = (count: number): string => Array.from({ length: count }, () => '{"role":"user","content":"a,b,c"}').join(',');
    expect(check(`{"messages":[${messages(3)}],"other":[1,2,3,4,5]}`)).toBeUndefined();
    expect(check(`{"messages":[${messages(4)}]}`)).toMatchObject({ param: 'messages', code: 'array_above_max_length' });
    expect(check(`{"m\\u0065ssages":[${messages(4)}]}`)).toMatchObject({ param: 'messages' });
    expect(check(`{"x":{"messages":[${messages(4)}]}}`)).toBeUndefined();
    expect(check(`{"messages":[[1,2,3,4,5]]}`)).toBeUndefined();
  });

  it('leaves malformed JSON to the parser', () => {
    expect(check('{"a":"unterminated')).toBeUndefined();
    expect(check(']]]]}}}')).toBeUndefined();
  });
});
