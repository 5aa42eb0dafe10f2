import { describe, expect, it } from 'vitest';
import { connectionCapFor, openFileLimit } from './connection-cap.js';

const limits = (soft: string, hard = '1048576'): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             63704                63704                processes \nMax open files            ${soft}                 ${hard}                files     \n`;

describe('default server.max_connections', () => {
  it('is half of the descriptors left after 64 for files and workers', () => {
    expect(openFileLimit(limits('1024'))).toBe(1024);
    expect(connectionCapFor(limits('1024'))).toBe(480);
    expect(connectionCapFor(limits('65536'))).toBe(16_384);
  });

  it('falls back to the value for ulimit -n 1024 when the limit is unknown or unlimited', () => {
    expect(connectionCapFor(undefined)).toBe(480);
    expect(connectionCapFor(limits('unlimited', 'unlimited'))).toBe(480);
  });
});
