import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './interpolate-env.js';

describe('interpolateEnv', () => {
  it('replaces ${VAR} with the variable value', () => {
    expect(interpolateEnv({ key: '${API_KEY}' }, { API_KEY: 'sk-123' })).toEqual({ value: { key: 'sk-123' }, unset: [] });
  });

  it('replaces a reference inside surrounding text', () => {
    expect(interpolateEnv('https://${HOST}/v1', { HOST: 'api.example.com' }).value).toBe('https://api.example.com/v1');
  });

  it('replaces several references in one string', () => {
    const result = interpolateEnv('${SCHEME}://${HOST}:${PORT}/${HOST}', { SCHEME: 'http', HOST: 'localhost', PORT: '8080' });
    expect(result).toEqual({ value: 'http://localhost:8080/localhost', unset: [] });
  });

  it('uses the default of ${VAR:-default} when the variable is unset, without reporting it', () => {
    expect(interpolateEnv('${REGION:-us-east-1}', {})).toEqual({ value: 'us-east-1', unset: [] });
  });

  it('uses the variable over the default when it is set', () => {
    expect(interpolateEnv('${REGION:-us-east-1}', { REGION: 'eu-west-1' }).value).toBe('eu-west-1');
  });

  it('accepts an empty default', () => {
    expect(interpolateEnv('a${X:-}b', {})).toEqual({ value: 'ab', unset: [] });
  });

  it('treats an empty-string variable as unset: the default is used', () => {
    expect(interpolateEnv('${REGION:-fallback}', { REGION: '' }).value).toBe('fallback');
  });

  it('treats an empty-string variable as unset: reported, replaced by ""', () => {
    expect(interpolateEnv({ key: 'x${EMPTY}y' }, { EMPTY: '' })).toEqual({
      value: { key: 'xy' },
      unset: [{ path: ['key'], variable: 'EMPTY' }],
    });
  });

  it('keeps $${VAR} as the literal ${VAR} and does not report it', () => {
    expect(interpolateEnv('cost $${PRICE} and ${A}', { PRICE: '5', A: 'a' })).toEqual({ value: 'cost ${PRICE} and a', unset: [] });
  });

  it('keeps $${VAR:-x} as the literal ${VAR:-x}', () => {
    expect(interpolateEnv('$${VAR:-x}', { VAR: 'set' }).value).toBe('${VAR:-x}');
  });

  it('reports an unset variable with its path and replaces it with ""', () => {
    const result = interpolateEnv({ providers: { openai: { api_key: '${OPENAI_API_KEY}' } } }, {});
    expect(result.value).toEqual({ providers: { openai: { api_key: '' } } });
    expect(result.unset).toEqual([{ path: ['providers', 'openai', 'api_key'], variable: 'OPENAI_API_KEY' }]);
  });

  it('reports array indices in the path', () => {
    const result = interpolateEnv({ routers: [{ routes: ['ok', '${MISSING}'] }] }, {});
    expect(result.value).toEqual({ routers: [{ routes: ['ok', ''] }] });
    expect(result.unset).toEqual([{ path: ['routers', 0, 'routes', 1], variable: 'MISSING' }]);
  });

  it('reports a top-level string with an empty path', () => {
    expect(interpolateEnv('${NOPE}', {}).unset).toEqual([{ path: [], variable: 'NOPE' }]);
  });

  it('reports each unset variable of a string', () => {
    const result = interpolateEnv({ a: '${X}-${Y}-${Z}' }, { Y: 'y' });
    expect(result.value).toEqual({ a: '-y-' });
    expect(result.unset).toEqual([
      { path: ['a'], variable: 'X' },
      { path: ['a'], variable: 'Z' },
    ]);
  });

  it('leaves non-string values untouched', () => {
    const input = { port: 8080, enabled: true, off: false, nothing: null, ratio: 0.5, list: [1, null, true] };
    expect(interpolateEnv(input, { X: 'x' })).toEqual({ value: input, unset: [] });
  });

  it('leaves strings without references untouched, including a lone $ or {', () => {
    const input = { a: '$5', b: '{x}', c: '$HOME', d: '${', e: '${1BAD}' };
    expect(interpolateEnv(input, { HOME: '/root' })).toEqual({ value: input, unset: [] });
  });

  it('does not substitute inside keys', () => {
    expect(interpolateEnv({ '${K}': 'v' }, { K: 'key' }).value).toEqual({ '${K}': 'v' });
  });

  it('does not mutate its input', () => {
    const input = { a: ['${X}'], b: { c: '${X}' } };
    interpolateEnv(input, { X: 'x' });
    expect(input).toEqual({ a: ['${X}'], b: { c: '${X}' } });
  });

  // The yaml parser returns an own `__proto__` key as data; copied with `out[key] = ...` into a plain
  // object it would set the prototype instead, and the key would vanish from the config.
  it('keeps an own __proto__ key as data', () => {
    const input = JSON.parse('{"__proto__": {"x": "${A}"}, "b": 1}') as unknown;
    const value = interpolateEnv(input, { A: 'v' }).value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'b']);
  });
});
