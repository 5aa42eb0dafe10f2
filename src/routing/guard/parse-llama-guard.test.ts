import { describe, expect, it } from 'vitest';
import { parseLlamaGuard } from './parse-llama-guard.js';

describe('parseLlamaGuard', () => {
  it('reads safe, and unsafe with its category codes', () => {
    expect(parseLlamaGuard('safe')).toEqual({ ok: true, safe: true });
    expect(parseLlamaGuard('\n\nsafe\n')).toEqual({ ok: true, safe: true });
    expect(parseLlamaGuard('unsafe\nS2')).toEqual({ ok: true, safe: false, categories: ['S2'] });
    expect(parseLlamaGuard('unsafe\r\nS1,S10, S14\n')).toEqual({ ok: true, safe: false, categories: ['S1', 'S10', 'S14'] });
  });

  it.each([
    ['', 'empty'],
    ['Safe', 'capitalized'],
    ['safe.', 'punctuated'],
    ['safe\nS1', 'safe with codes'],
    ['unsafe', 'unsafe without codes'],
    ['unsafe\n', 'unsafe with an empty line of codes'],
    ['unsafe\nviolence', 'unsafe with a word for a code'],
    ['unsafe\nS2,', 'a trailing comma'],
    ['unsafe\nS2\nbecause it is', 'a third line'],
    ['The message is safe', 'a sentence'],
  ])('refuses %j (%s) as no verdict', (answer) => {
    const parsed = parseLlamaGuard(answer);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.detail).toContain(JSON.stringify(answer));
  });

  it('quotes at most 80 characters of a long answer', () => {
    const parsed = parseLlamaGuard('x'.repeat(500));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.detail).toContain(`"${'x'.repeat(80)}…"`);
  });
});
