import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../errors/request-errors.js';
import { checkKeyAccess } from './check-key-access.js';
import type { VirtualKey } from './virtual-key.js';

const key = (routers: string[] | undefined, models: string[] | undefined): VirtualKey => ({
  id: 'key_1', name: 'app', team: undefined, prefix: 'sk-swy-AbCd', createdAt: 0, updatedAt: 0, expiresAt: undefined, revokedAt: undefined, routers, models, metadata: {}, limits: {},
});

function refusal(check: () => void): ForbiddenError {
  try {
    check();
  } catch (error) {
    if (error instanceof ForbiddenError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('checkKeyAccess', () => {
  it('lets a key without lists ask for anything', () => {
    expect(() => checkKeyAccess(key(undefined, undefined), 'gpt-4o')).not.toThrow();
  });

  it('confines a key with lists to their names, and says what it may use', () => {
    const routersOnly = key(['auto', 'cheap'], undefined);
    expect(() => checkKeyAccess(routersOnly, 'cheap')).not.toThrow();
    const error = refusal(() => checkKeyAccess(routersOnly, 'gpt-4o'));
    expect(error.code).toBe('model_not_allowed');
    expect(error.message).toBe('This key may use the routers auto, cheap and no concrete model; it asked for "gpt-4o".');
    const both = key(['auto'], ['strong']);
    expect(() => checkKeyAccess(both, 'strong')).not.toThrow();
    expect(refusal(() => checkKeyAccess(both, 'cheap')).message).toBe('This key may use the router auto and the concrete model strong; it asked for "cheap".');
    expect(refusal(() => checkKeyAccess(key(undefined, ['a', 'b']), 'auto')).message).toBe('This key may use no router and the concrete models a, b; it asked for "auto".');
  });

  it('lets a key that requires a guard use only the routers with one, and names those it may use', () => {
    const guarded = { required: true, guardedRouters: new Set(['auto', 'safe']) };
    const any = key(undefined, undefined);
    expect(() => checkKeyAccess(any, 'auto', guarded)).not.toThrow();
    const error = refusal(() => checkKeyAccess(any, 'gpt-4o', guarded));
    expect(error.code).toBe('model_not_allowed');
    expect(error.message).toBe('This key must go through a safety guard: use a router with one (auto, safe); "gpt-4o" has none.');
    expect(refusal(() => checkKeyAccess(key(['safe', 'cheap'], undefined), 'cheap', guarded)).message).toBe('This key must go through a safety guard: use a router with one (safe); "cheap" has none.');
    expect(refusal(() => checkKeyAccess(key(undefined, ['strong']), 'strong', guarded)).message).toBe('This key must go through a safety guard: none is available to it; "strong" has none.');
    // The allow lists speak first: a name outside them is refused for that.
    expect(refusal(() => checkKeyAccess(key(['safe'], undefined), 'auto', guarded)).message).toContain('This key may use the router safe');
    expect(() => checkKeyAccess(any, 'gpt-4o', { required: false, guardedRouters: new Set() })).not.toThrow();
  });
});
