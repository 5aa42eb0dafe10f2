import { describe, it, expect } from 'vitest';
import { BUILTIN_CATALOG_SOURCE, BUILTIN_MODELS } from './builtin-catalog.js';
import type { BuiltinModelEntry } from './builtin-model-entry.js';

const PROVIDERS = ['openai', 'anthropic', 'google', 'deepseek', 'groq', 'together', 'openrouter'];
/** Providers that host other vendors' models: their catalog keys are `<provider>/<wire id>`. */
const HOSTING_PROVIDERS = ['groq', 'together', 'openrouter'];

const entries: Array<[string, BuiltinModelEntry]> = Object.entries(BUILTIN_MODELS);
/** Chat models whose vendor says they do not stream (see their entries). */
const NOT_STREAMING = new Set(['o3-pro']);

describe('BUILTIN_CATALOG_SOURCE', () => {
  it('names a retrieval date and at least one source', () => {
    expect(BUILTIN_CATALOG_SOURCE.retrieved, 'retrieved must be YYYY-MM-DD').toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(BUILTIN_CATALOG_SOURCE.retrieved)), 'retrieved must be a real date').toBe(false);
    expect(BUILTIN_CATALOG_SOURCE.sources.length, 'at least one source').toBeGreaterThan(0);
    for (const source of BUILTIN_CATALOG_SOURCE.sources) {
      expect(source.trim().length, 'sources must be non-empty strings').toBeGreaterThan(0);
    }
  });
});

describe('BUILTIN_MODELS', () => {
  it('has entries', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)('%s: prices are finite and non-negative', (key, entry) => {
    const { input, output, cached_input, cache_write } = entry.price;
    for (const [name, value] of Object.entries({ input, output, cached_input, cache_write })) {
      if (value === undefined) continue;
      expect(Number.isFinite(value), `${key}: price.${name} must be finite`).toBe(true);
      expect(value, `${key}: price.${name} must be >= 0`).toBeGreaterThanOrEqual(0);
    }
  });

  it.each(entries)('%s: cached input is not dearer than input', (key, entry) => {
    if (entry.price.cached_input === undefined) return;
    expect(entry.price.cached_input, `${key}: price.cached_input must be <= price.input`).toBeLessThanOrEqual(
      entry.price.input,
    );
  });

  it.each(entries)('%s: limits are sane', (key, entry) => {
    expect(Number.isInteger(entry.context_window), `${key}: context_window must be an integer`).toBe(true);
    expect(entry.context_window, `${key}: context_window must be >= 1000`).toBeGreaterThanOrEqual(1000);
    if (entry.embedding || entry.moderation) {
      expect(entry.max_output, `${key}: an embedding or moderation model writes no tokens: no max_output`).toBeUndefined();
      return;
    }
    expect(Number.isInteger(entry.max_output), `${key}: max_output must be an integer`).toBe(true);
    expect(entry.max_output, `${key}: max_output must be > 0`).toBeGreaterThan(0);
    expect(entry.max_output, `${key}: max_output must be <= context_window`).toBeLessThanOrEqual(entry.context_window);
  });

  it.each(entries)('%s: provider, model id and key agree', (key, entry) => {
    expect(entry.model.trim().length, `${key}: model id must be non-empty`).toBeGreaterThan(0);
    expect(PROVIDERS, `${key}: unknown provider "${entry.provider}"`).toContain(entry.provider);
    const expectedKey = HOSTING_PROVIDERS.includes(entry.provider) ? `${entry.provider}/${entry.model}` : entry.model;
    expect(key, `${key}: key must be "${expectedKey}"`).toBe(expectedKey);
  });

  it.each(entries)('%s: capabilities are all booleans and chat models stream', (key, entry) => {
    for (const [name, value] of Object.entries(entry.capabilities)) {
      expect(typeof value, `${key}: capabilities.${name} must be a boolean`).toBe('boolean');
    }
    // Embedding and moderation models answer in one piece; chat models all stream, but for those OpenAI lists as not streaming.
    const streams = !entry.embedding && !entry.moderation && !NOT_STREAMING.has(key);
    expect(entry.capabilities.streaming, `${key}: capabilities.streaming must be ${streams}`).toBe(streams);
  });

  it.each(entries.filter(([, entry]) => entry.embedding))('%s: an embedding model has dimensions, bills input only, and can do nothing else', (key, entry) => {
    expect(Number.isInteger(entry.embedding?.dimensions) && (entry.embedding?.dimensions ?? 0) > 0, `${key}: embedding.dimensions must be a positive integer`).toBe(true);
    expect(entry.price.output, `${key}: price.output must be 0`).toBe(0);
    expect(Object.values(entry.capabilities).some(Boolean), `${key}: no chat capability`).toBe(false);
  });

  it('lists OpenAI\'s moderation model, free, as a moderation model that can do nothing else', () => {
    const moderation = entries.filter(([, entry]) => entry.moderation);
    expect(moderation.map(([key]) => key)).toEqual(['omni-moderation-latest']);
    for (const [key, entry] of moderation) {
      expect(entry.price, `${key}: OpenAI does not charge for moderation`).toEqual({ input: 0, output: 0 });
      expect(entry.embedding, `${key}: not an embedding model too`).toBeUndefined();
      expect(Object.values(entry.capabilities).some(Boolean), `${key}: no chat capability`).toBe(false);
    }
  });
});
