import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

const KEY = 'sk-test-0123456789abcdef';

describe('redactSecrets', () => {
  it('replaces every occurrence of the secret', () => {
    const text = `Incorrect API key provided: ${KEY}. You passed ${KEY} twice (${KEY}).`;
    const out = redactSecrets(text, [KEY]);
    expect(out).toBe('Incorrect API key provided: [REDACTED]. You passed [REDACTED] twice ([REDACTED]).');
    expect(out).not.toContain(KEY);
  });

  it('replaces each of several secrets', () => {
    const other = 'another-secret-value';
    expect(redactSecrets(`a=${KEY} b=${other}`, [KEY, other])).toBe('a=[REDACTED] b=[REDACTED]');
  });

  it('leaves text without the secret unchanged', () => {
    const text = 'The model `gpt-x` does not exist.';
    expect(redactSecrets(text, [KEY])).toBe(text);
  });

  it('leaves text unchanged when there are no secrets', () => {
    expect(redactSecrets(`contains ${KEY}`, [])).toBe(`contains ${KEY}`);
  });

  it('does not redact secrets shorter than 8 characters, which would blank out ordinary words', () => {
    expect(redactSecrets('the key abc and the word model', ['abc', 'model', '1234567'])).toBe('the key abc and the word model');
  });

  it('redacts a secret of exactly 8 characters', () => {
    expect(redactSecrets('key=abcd1234;', ['abcd1234'])).toBe('key=[REDACTED];');
  });

  it('treats the secret as literal text, not as a pattern', () => {
    const secret = 'a.b*c+d?(e)';
    expect(redactSecrets('x a.b*c+d?(e) axbbbcd(e)', [secret])).toBe('x [REDACTED] axbbbcd(e)');
  });
});
