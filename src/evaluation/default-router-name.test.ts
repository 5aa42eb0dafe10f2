import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { defaultRouterName } from './replay.js';

/** The router `route`, `eval`, `calibrate` and `fit-routes` use when --router names none. */

const config = (routers: string[]) =>
  parseConfig(
    `providers:\n  p: { type: mock }\nmodels:\n  m: { provider: p, price: { input: 1, output: 1 } }\nrouters:\n${routers.map((name) => `  ${name}: { default: m }\n`).join('')}`,
    'routers.yaml',
    { env: {} },
  );

describe('defaultRouterName', () => {
  it('is auto when there is one, among others', () => {
    expect(defaultRouterName(config(['cheap', 'auto', 'strict']))).toBe('auto');
  });

  it('is the only router when there is one', () => {
    expect(defaultRouterName(config(['cheap']))).toBe('cheap');
  });

  it('leaves the choice open among several without auto', () => {
    expect(defaultRouterName(config(['cheap', 'strict']))).toBeUndefined();
  });
});
