import { describe, expect, it } from 'vitest';
import { compileKeywords, compilePattern } from './compile-pattern.js';

function firstMatch(regex: RegExp, text: string): string | undefined {
  return regex.exec(text)?.[0];
}

describe('compileKeywords', () => {
  it('matches case-insensitively', () => {
    const regex = compileKeywords(['debug']);
    expect(firstMatch(regex, 'Debug this')).toBe('Debug');
    expect(regex.test('please DEBUG it')).toBe(true);
  });

  it('matches whole words only', () => {
    const regex = compileKeywords(['debug']);
    expect(regex.test('start the debugger')).toBe(false);
    expect(regex.test('redebug')).toBe(false);
    expect(regex.test('debug_mode')).toBe(false);
    expect(regex.test('debug2')).toBe(false);
    expect(regex.test('(debug).')).toBe(true);
  });

  it('treats letters outside ASCII as part of a word', () => {
    expect(compileKeywords(['café']).test('cafés')).toBe(false);
    expect(compileKeywords(['test']).test('testé')).toBe(false);
    expect(compileKeywords(['CAFÉ']).test('un café noir')).toBe(true);
  });

  it('matches a phrase across any run of whitespace', () => {
    const regex = compileKeywords(['stack trace']);
    expect(firstMatch(regex, 'here is the stack  \n trace:')).toBe('stack  \n trace');
    expect(regex.test('stack\ttrace')).toBe(true);
    expect(regex.test('stacktrace')).toBe(false);
  });

  it('ignores whitespace around a keyword', () => {
    expect(firstMatch(compileKeywords(['  sql  ']), 'write SQL now')).toBe('SQL');
  });

  it('matches keywords with symbols such as c++ and c#', () => {
    const regex = compileKeywords(['c++', 'c#']);
    expect(firstMatch(regex, 'port it to C++ please')).toBe('C++');
    expect(firstMatch(regex, 'written in c#.')).toBe('c#');
    expect(regex.test('abc++')).toBe(false);
  });

  it('escapes regex syntax in keywords so it matches literally', () => {
    const regex = compileKeywords(['c++', 'a.b', '(x)']);
    expect(regex.test('c')).toBe(false);
    expect(regex.test('ccc')).toBe(false);
    expect(regex.test('axb')).toBe(false);
    expect(regex.test('see a.b now')).toBe(true);
    expect(regex.test('x')).toBe(false);
  });

  it('does not throw for keywords made only of regex syntax', () => {
    expect(() => compileKeywords(['[', '(', '*', '\\', '$', '{1}'])).not.toThrow();
    expect(compileKeywords(['{1}']).test('a {1} b')).toBe(true);
  });

  it('reports the longest alternative first', () => {
    const regex = compileKeywords(['stack', 'stack trace', 'trace']);
    expect(firstMatch(regex, 'a stack trace here')).toBe('stack trace');
  });

  it('reports the longest alternative whatever the order of the list', () => {
    expect(firstMatch(compileKeywords(['sql', 'sql query']), 'SQL query please')).toBe('SQL query');
    expect(firstMatch(compileKeywords(['sql query', 'sql']), 'SQL query please')).toBe('SQL query');
  });

  it('does not reorder the caller array', () => {
    const keywords = ['a', 'bbb', 'cc'];
    compileKeywords(keywords);
    expect(keywords).toEqual(['a', 'bbb', 'cc']);
  });

  it('returns a regex without g or y, so repeated tests give the same answer', () => {
    const regex = compileKeywords(['x']);
    expect(regex.flags).not.toMatch(/[gy]/);
    expect([regex.test('x'), regex.test('x')]).toEqual([true, true]);
  });

  // A blank keyword would trim to an empty alternative, which matches the empty string between two
  // non-word characters: the rule would fire on nearly any text. The schema rejects blanks; this
  // function ignores them as well.
  it('does not let a whitespace-only keyword match arbitrary text', () => {
    let matched: boolean;
    try {
      matched = compileKeywords(['debug', '   ']).test('hello, world');
    } catch {
      matched = false;
    }
    expect(matched).toBe(false);
  });
});

describe('compilePattern', () => {
  it('compiles a bare pattern case-sensitively', () => {
    const regex = compilePattern('\\bdef\\b');
    expect(regex.test('def main():')).toBe(true);
    expect(regex.test('DEF main():')).toBe(false);
    expect(regex.flags).toBe('');
  });

  it('compiles a /pattern/i literal case-insensitively', () => {
    const regex = compilePattern('/stack ?trace/i');
    expect(regex.source).toBe('stack ?trace');
    expect(regex.flags).toBe('i');
    expect(regex.test('STACKTRACE')).toBe(true);
  });

  it('compiles a /pattern/ literal without flags case-sensitively', () => {
    const regex = compilePattern('/abc/');
    expect(regex.source).toBe('abc');
    expect(regex.test('ABC')).toBe(false);
    expect(regex.test('xabcx')).toBe(true);
  });

  it('keeps slashes inside a literal', () => {
    expect(compilePattern('/a\\/b/i').test('A/B')).toBe(true);
    expect(compilePattern('/https?://x/').test('http://x')).toBe(true);
  });

  it('keeps a bare pattern that does not look like a literal verbatim', () => {
    expect(compilePattern('a/b').source).toBe('a\\/b');
    expect(compilePattern('a/b').test('a/b')).toBe(true);
  });

  it('rejects the g flag with a SyntaxError', () => {
    expect(() => compilePattern('/x/g')).toThrow(SyntaxError);
    expect(() => compilePattern('/x/gi')).toThrow(/"g" and "y"/);
  });

  it('rejects the y flag with a SyntaxError', () => {
    expect(() => compilePattern('/x/y')).toThrow(SyntaxError);
    expect(() => compilePattern('/x/iy')).toThrow(SyntaxError);
  });

  it('throws a SyntaxError for an invalid pattern', () => {
    expect(() => compilePattern('(unclosed')).toThrow(SyntaxError);
    expect(() => compilePattern('/[a-/i')).toThrow(SyntaxError);
  });

  it('throws a SyntaxError for unknown flags', () => {
    expect(() => compilePattern('/x/q')).toThrow(SyntaxError);
  });

  it('explains a bare pattern that starts with a slash, which reads as /pattern/flags', () => {
    expect(() => compilePattern('/usr/bin')).toThrow('"/usr/bin" reads as /pattern/flags with flags "bin"; escape the slashes');
    expect(compilePattern('\\/usr\\/bin').test('run /usr/bin/env')).toBe(true);
  });
});
