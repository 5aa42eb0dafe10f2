import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it('never shows the password of a URL, even a malformed one', () => {
    expect(describeValue('redis//:hunter2@redis:6379')).toBe('"redis//:***@redis:6379"');
    expect(describeValue('postgres://app:s3cr3t@db.internal:5432/switchyard')).toBe('"postgres://app:***@db.internal:5432/switchyard"');
    expect(describeValue('ops@example.com')).toBe('"ops@example.com"');
  });

  it('shortens long strings and names the kind of other values', () => {
    expect(describeValue('x'.repeat(70))).toBe(JSON.stringify(`${'x'.repeat(57)}...`));
    expect(describeValue(3)).toBe('number 3');
    expect(describeValue({ a: 1 })).toBe('a map with keys a');
  });
});
