import { describe, expect, it } from 'vitest';
import { compileModelAliases } from './model-aliases.js';

describe('compileModelAliases', () => {
  const aliases = compileModelAliases([
    { glob: 'claude-*haiku*', target: 'background' },
    { glob: 'claude-*', target: 'auto' },
    { glob: 'gpt-?o', target: 'cheap' },
  ]);

  it('answers the target of the first glob, in the order written, that matches', () => {
    expect(aliases.lookup('claude-3-5-haiku-latest')).toBe('background');
    expect(aliases.lookup('claude-opus-4-8')).toBe('auto');
    expect(aliases.lookup('gpt-4o')).toBe('cheap');
  });

  it('ignores case', () => {
    expect(aliases.lookup('CLAUDE-Sonnet-4-6')).toBe('auto');
  });

  it('answers undefined for a name no glob matches', () => {
    expect(aliases.lookup('gpt-4o-mini')).toBeUndefined();
    expect(aliases.lookup('claude')).toBeUndefined();
    expect(compileModelAliases([]).lookup('anything')).toBeUndefined();
  });

  it('keeps its entries for display', () => {
    expect(aliases.entries.map((entry) => entry.glob)).toEqual(['claude-*haiku*', 'claude-*', 'gpt-?o']);
  });
});
