import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

const PROVIDERS = `
providers:
  openai: { type: openai, base_url: "https://api.openai.com/v1", api_key: "sk-x" }
  local: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: "sk-y" }
`;

describe('embedding models in the config', () => {
  it('resolves the catalog’s embedding models and a `models:` entry marked `embedding`, its output price 0 unless written', () => {
    const config = parseConfig(
      `${PROVIDERS}models:
  mine: { provider: local, model: nomic-embed, price: { input: 0.01 }, context_window: 8192, embedding: { dimensions: 768 } }
  small-elsewhere: { from: text-embedding-3-small, provider: local }
`,
      'switchyard.yaml',
      { env: {} },
    );
    expect(config.models.get('text-embedding-3-small')).toMatchObject({ provider: 'openai', wireModel: 'text-embedding-3-small', embedding: { dimensions: 1536 }, price: { input: 0.02, output: 0 } });
    expect(config.models.get('text-embedding-3-large')?.embedding).toEqual({ dimensions: 3072 });
    expect(config.models.get('mine')).toMatchObject({ wireModel: 'nomic-embed', embedding: { dimensions: 768 }, price: { input: 0.01, output: 0 }, contextWindow: 8192 });
    expect(config.models.get('small-elsewhere')).toMatchObject({ provider: 'local', embedding: { dimensions: 1536 } });
    expect(config.models.get('gpt-4o-mini')?.embedding).toBeUndefined();
  });

  it('reports bad `dimensions` at its line', () => {
    const error = configErrorsOf(`${PROVIDERS}models:
  mine: { provider: local, model: nomic-embed, price: { input: 0.01 }, embedding: { dimensions: 0 } }
`);
    expect(error.issues).toEqual([expect.objectContaining({ path: 'models.mine.embedding.dimensions', line: 6 })]);
    expect(error.issues[0]?.message).toBe("Too small: expected number to be >0, found number 0");
  });
});
