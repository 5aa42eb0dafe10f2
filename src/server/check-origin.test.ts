import { describe, expect, it } from 'vitest';
import { EXPOSED_HEADERS, isSameOrigin } from './check-origin.js';
import { contractHeaders } from './contract-headers.js';

describe('isSameOrigin', () => {
  it.each([
    ['http://127.0.0.1:8787', '127.0.0.1:8787'],
    ['http://localhost:8787', 'LOCALHOST:8787'],
    ['https://gw.example.com', 'gw.example.com'],
    ['https://gw.example.com', 'gw.example.com:443'],
    ['http://gw.example.com', 'gw.example.com:80'],
    ['http://[::1]:8787', '[::1]:8787'],
  ])('%s is the origin of Host %s', (origin, host) => {
    expect(isSameOrigin(origin, host)).toBe(true);
  });

  it.each([
    ['http://attacker.example', '127.0.0.1:8787'],
    ['http://localhost:3000', 'localhost:8787'],
    ['https://gw.example.com', 'gw.example.com:80'],
    ['null', '127.0.0.1:8787'],
    ['http://127.0.0.1:8787/path', '127.0.0.1:8787'],
    ['file://', '127.0.0.1:8787'],
  ])('%s is not the origin of Host %s', (origin, host) => {
    expect(isSameOrigin(origin, host)).toBe(false);
  });

  it('is false without a Host', () => {
    expect(isSameOrigin('http://127.0.0.1:8787', undefined)).toBe(false);
  });
});

describe('EXPOSED_HEADERS', () => {
  it('lets a browser read every contract header', () => {
    const decision = { router: 'auto', route: 'code' } as Parameters<typeof contractHeaders>[0]['decision'];
    const all = contractHeaders({ traceId: 't', decision, model: 'm', attempts: 1, costUsd: 0.1, usageEstimated: true });
    expect(EXPOSED_HEADERS).toEqual(expect.arrayContaining(Object.keys(all)));
  });
});
