import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './parse-retry-after.js';

const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

describe('parseRetryAfter', () => {
  it('returns undefined when neither header is present', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': undefined, 'retry-after-ms': undefined }, NOW)).toBeUndefined();
  });

  it('reads retry-after-ms as milliseconds', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250' }, NOW)).toBe(250);
    expect(parseRetryAfter({ 'retry-after-ms': '12.5' }, NOW)).toBe(12.5);
  });

  it('prefers retry-after-ms over retry-after when both are sent', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '20' }, NOW)).toBe(1500);
  });

  it('falls back to retry-after when retry-after-ms is unreadable or negative', () => {
    expect(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '3' }, NOW)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after-ms': '-5', 'retry-after': '3' }, NOW)).toBe(3000);
  });

  it('reads retry-after integer seconds as milliseconds', () => {
    expect(parseRetryAfter({ 'retry-after': '20' }, NOW)).toBe(20_000);
    expect(parseRetryAfter({ 'retry-after': '0' }, NOW)).toBe(0);
  });

  it('reads retry-after decimal seconds as milliseconds', () => {
    expect(parseRetryAfter({ 'retry-after': '1.5' }, NOW)).toBe(1500);
  });

  it('ignores whitespace around the seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '  7 ' }, NOW)).toBe(7000);
  });

  it('reads an HTTP-date as the time left until it, relative to the given now', () => {
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }, NOW)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:30:00 GMT' }, NOW + 60_000)).toBe(60_000);
  });

  it('gives 0 for an HTTP-date in the past', () => {
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:27:00 GMT' }, NOW)).toBe(0);
  });

  it('returns undefined for garbage', () => {
    expect(parseRetryAfter({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '5 minutes' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '1e3' }, NOW)).toBeUndefined();
  });

  // V8's lenient Date.parse reads "-1" or "foo 1" as dates in 2001, which would mean "retry at
  // once"; only a real HTTP date (with a month name) counts as one.
  it('returns undefined for a negative delay or text that only contains a number', () => {
    expect(parseRetryAfter({ 'retry-after': '-1' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'foo 1' }, NOW)).toBeUndefined();
  });

  it('uses the first value of an array header', () => {
    expect(parseRetryAfter({ 'retry-after': ['2', '9'] }, NOW)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after-ms': ['40', '90'] }, NOW)).toBe(40);
  });

  it('returns undefined for an empty array header', () => {
    expect(parseRetryAfter({ 'retry-after': [] }, NOW)).toBeUndefined();
  });
});
