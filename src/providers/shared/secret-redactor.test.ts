import { describe, expect, it } from 'vitest';
import { SecretRedactor } from './secret-redactor.js';

const KEY = 'sk-test-0123456789abcdefABCDEF+/'; // 32 characters, with the two characters base64 and URLs treat specially
const redactor = new SecretRedactor([KEY]);
const all = (text: string): string => redactor.quote(text, Infinity);

/** Every run of 8 characters of `secret` that appears in `text`. */
function leakedPieces(text: string, secret: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + 8 <= secret.length; start++) if (text.includes(secret.slice(start, start + 8))) pieces.push(secret.slice(start, start + 8));
  return pieces;
}

/** What any base64 run in `text` decodes to, at each of the four character alignments. */
function decodedBase64(text: string): string {
  return (text.match(/[A-Za-z0-9+/_-]{4,}/g) ?? [])
    .flatMap((run) => [0, 1, 2, 3].map((skip) => Buffer.from(run.slice(skip).replaceAll('-', '+').replaceAll('_', '/'), 'base64').toString('latin1')))
    .join('\n');
}

describe('SecretRedactor.quote', () => {
  it('replaces every occurrence of the secret', () => {
    const text = `Incorrect API key provided: ${KEY}. You passed ${KEY} twice (${KEY}).`;
    expect(all(text)).toBe('Incorrect API key provided: [REDACTED]. You passed [REDACTED] twice ([REDACTED]).');
  });

  it('replaces each of several secrets', () => {
    const other = 'another-secret-value';
    expect(new SecretRedactor([KEY, other]).quote(`a=${KEY} b=${other}`, Infinity)).toBe('a=[REDACTED] b=[REDACTED]');
  });

  it('leaves text without the secret unchanged, and text when there are no secrets', () => {
    expect(all('The model `gpt-x` does not exist.')).toBe('The model `gpt-x` does not exist.');
    expect(new SecretRedactor([]).quote(`contains ${KEY}`, Infinity)).toBe(`contains ${KEY}`);
  });

  it('ignores secrets shorter than 8 characters, which would blank out ordinary words, and redacts one of exactly 8', () => {
    expect(new SecretRedactor(['abc', 'model', '1234567']).quote('the key abc and the word model 1234567', Infinity)).toBe('the key abc and the word model 1234567');
    expect(new SecretRedactor(['abcd1234']).quote('key=abcd1234;', Infinity)).toBe('key=[REDACTED];');
  });

  it('redacts a secret inside another secret once, as the outer one (a header value and the token in it)', () => {
    const redactHeader = new SecretRedactor(['Bearer inner-12345678-tail', 'inner-12345678']);
    expect(redactHeader.quote('x Bearer inner-12345678-tail y inner-12345678 z', Infinity)).toBe('x [REDACTED] y [REDACTED] z');
  });

  it('treats the secret as literal text, not as a pattern', () => {
    expect(new SecretRedactor(['a.b*c+d?(e)']).quote('x a.b*c+d?(e) axbbbcd(e)', Infinity)).toBe('x [REDACTED] axbbbcd(e)');
  });

  it('redacts a key that straddles the cut whole, wherever it starts', () => {
    for (let offset = 270; offset < 300; offset++) {
      const text = `${'e'.repeat(offset)}${KEY} and more text after it`;
      const out = redactor.quote(text, 300);
      expect(leakedPieces(out, KEY), `key at ${offset}`).toEqual([]);
      expect(out).toBe(`${'e'.repeat(offset)}[REDACTED]…`);
    }
  });

  it('does not let a shorter redacted text pull an unredacted key before the cut', () => {
    // Replacing a long form with the short mark shrinks the text: a later key must still be counted from the original.
    const long = 'L'.repeat(60);
    const text = `${long}${'e'.repeat(280)}${KEY}`;
    const out = new SecretRedactor([long, KEY]).quote(text, 300);
    expect(leakedPieces(out, KEY)).toEqual([]);
    expect(out).toBe(`[REDACTED]${'e'.repeat(240)}…`);
  });

  it('cuts at maxChars and marks the cut', () => {
    expect(redactor.quote('x'.repeat(1_000), 300)).toBe(`${'x'.repeat(300)}…`);
    expect(redactor.quote('x'.repeat(300), 300)).toBe('x'.repeat(300));
    expect(redactor.quote(`${'x'.repeat(290)}${KEY}`, 300)).toBe(`${'x'.repeat(290)}[REDACTED]`);
  });

  it.each([0, 1, 2])('redacts the key base64-encoded at byte offset %i inside a longer encoded text', (offset) => {
    const encoded = Buffer.from(`${'u'.repeat(offset + 3)}${KEY}:tail`).toString('base64');
    expect(decodedBase64(encoded)).toContain(KEY.slice(0, 8));
    const out = all(`Authorization: Basic ${encoded} rejected`);
    expect(out).toContain('[REDACTED]');
    expect(leakedPieces(decodedBase64(out), KEY)).toEqual([]);
  });

  it('redacts `Basic base64(user:key)`, the form an Authorization header takes', () => {
    const header = `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`;
    expect(leakedPieces(decodedBase64(all(`you sent ${header}`)), KEY)).toEqual([]);
  });

  it.each([0, 1, 2])('redacts the key in URL-safe base64 at byte offset %i', (offset) => {
    // '?' and '>' as the third byte of a group encode as '/' and '+', which URL-safe base64 spells '_' and '-'.
    const key = 'sk-???>>>-0123456789abcdefABCDEF';
    const encoded = Buffer.from(`${'u'.repeat(offset)}${key}`).toString('base64url');
    expect(encoded).not.toBe(Buffer.from(`${'u'.repeat(offset)}${key}`).toString('base64').replace(/=+$/, ''));
    expect(leakedPieces(decodedBase64(new SecretRedactor([key]).quote(`token=${encoded}`, Infinity)), key)).toEqual([]);
  });

  it('redacts the key URL-encoded (encodeURIComponent, lower-case escapes, form encoding)', () => {
    const forms = [encodeURIComponent(KEY), encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()), new URLSearchParams({ key: KEY }).toString()];
    expect(forms[0]).not.toContain(KEY);
    for (const form of forms) {
      const out = all(`GET /v1/models?${form}&x=1`);
      expect(out).toContain('[REDACTED]');
      expect(leakedPieces(decodeURIComponent(out), KEY)).toEqual([]);
    }
  });

  it('redacts a key form-encoded, where it differs from encodeURIComponent', () => {
    const key = "pass~word!(it's)";
    const form = new URLSearchParams({ key }).toString();
    expect(form).not.toContain(encodeURIComponent(key));
    expect(new SecretRedactor([key]).quote(`body was ${form}&grant=x`, Infinity)).toBe('body was key=[REDACTED]&grant=x');
  });

  it('redacts the key JSON-escaped', () => {
    const slashy = 'sk/with/slashes/and"quotes"0123';
    const out = new SecretRedactor([slashy]).quote(`{"echo":${JSON.stringify(slashy)},"php":"${slashy.replaceAll('/', '\\/').replaceAll('"', '\\"')}"}`, Infinity);
    expect(out).toBe('{"echo":"[REDACTED]","php":"[REDACTED]"}');
  });

  it('handles a 10 MB text in bounded time, cut or whole', () => {
    const huge = `${'x'.repeat(5_000_000)}${KEY}${'y'.repeat(5_000_000)}${KEY}`;
    // Flattened first, like text decoded from a response: the timing is of the redactor, not of V8 joining strings.
    expect(huge.indexOf('z')).toBe(-1);
    const started = performance.now();
    expect(redactor.quote(huge, 300)).toBe(`${'x'.repeat(300)}…`);
    const cut = performance.now() - started;
    const whole = all(huge);
    const total = performance.now() - started;
    expect(leakedPieces(whole, KEY)).toEqual([]);
    expect(whole.length).toBe(10_000_000 + 2 * '[REDACTED]'.length);
    expect(cut).toBeLessThan(100);
    expect(total).toBeLessThan(2_000);
  });
});
