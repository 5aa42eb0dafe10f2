import { describe, expect, it } from 'vitest';
import { TRAINED_ROUTER_FORMAT, TRAINED_ROUTER_VERSION, TrainedRouter, TrainedRouterError, type TrainedRouterFile } from './trained-router.js';

const FEATURES = { dimensions: 16, wordNgrams: 2, charNgrams: undefined, dense: undefined };

function router(): TrainedRouter {
  const a = new Float32Array(16);
  a[3] = 0.5;
  a[9] = -1.25;
  const b = new Float32Array(16);
  b[0] = 2;
  return new TrainedRouter(FEATURES, [{ weights: a, bias: 0.1 }, { weights: b, bias: -0.3 }], ['a', 'b'], undefined);
}

/** The file of `router()`, as plain JSON. */
function file(): TrainedRouterFile {
  return JSON.parse(JSON.stringify(router().toJSON())) as TrainedRouterFile;
}

function errorOf(value: unknown): string {
  try {
    TrainedRouter.fromJSON(value, 'r.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TrainedRouterError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be rejected');
}

describe('TrainedRouter file', () => {
  it('round-trips: a loaded file predicts what the router it was written from predicts', () => {
    const original = router();
    const loaded = TrainedRouter.fromJSON(file(), 'r.json');
    expect(loaded.models).toEqual(['a', 'b']);
    for (const text of ['hello world', 'prove the integral step by step', '']) expect(loaded.predict(text)).toEqual(original.predict(text));
    expect(file().format).toBe(TRAINED_ROUTER_FORMAT);
    expect(file().version).toBe(TRAINED_ROUTER_VERSION);
    // Only non-zero weights are stored.
    expect(Buffer.from(file().models[0]?.values ?? '', 'base64').byteLength).toBe(2 * 4);
  });

  it('names what is wrong with a file that is not a trained router', () => {
    expect(errorOf({ ...file(), format: 'other' })).toBe(`r.json is not a trained router file: format: expected "${TRAINED_ROUTER_FORMAT}", found "other"`);
    expect(errorOf({ ...file(), version: 2 })).toBe(`r.json is not a trained router file: version: expected ${TRAINED_ROUTER_VERSION}, found number 2`);
    expect(errorOf({ ...file(), features: { ...file().features, dimensions: 100 } })).toContain('features.dimensions: expected a power of two');
  });

  it('rejects weights outside the feature vector, twice-named models and mismatched arrays', () => {
    const outside = file();
    const model = outside.models[0];
    if (!model) throw new Error('no model');
    model.indices = Buffer.from(Int32Array.from([3, 16]).buffer).toString('base64');
    expect(errorOf(outside)).toBe('r.json: model "a" has a weight at 16, outside 0..15');
    const twice = file();
    twice.models = [twice.models[0], twice.models[0]] as TrainedRouterFile['models'];
    expect(errorOf(twice)).toBe('r.json: model "a" appears twice');
    const short = file();
    if (short.models[0]) short.models[0].values = Buffer.from(Float32Array.from([1]).buffer).toString('base64');
    expect(errorOf(short)).toBe('r.json: model "a" has 2 indices but 1 values');
  });

  it('says when the file cannot be read or is not JSON', () => {
    expect(() => TrainedRouter.load('/nonexistent/router.json')).toThrow('cannot read trained router /nonexistent/router.json');
  });
});
