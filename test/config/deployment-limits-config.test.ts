import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

const PROVIDERS = `
providers:
  openai: { type: openai, base_url: "https://api.openai.com/v1", api_key: "sk-x" }
`;

describe('limits on a model deployment', () => {
  it('resolves `limits` onto the model, only the limits written', () => {
    const config = parseConfig(
      `${PROVIDERS}models:
  both: { from: gpt-4o-mini, limits: { rpm: 500, tpm: 200000 } }
  requests: { from: gpt-4o-mini, limits: { rpm: 60 } }
`,
      'switchyard.yaml',
      { env: {} },
    );
    expect(config.models.get('both')?.limits).toEqual({ rpm: 500, tpm: 200000 });
    expect(config.models.get('requests')?.limits).toEqual({ rpm: 60 });
    expect(config.models.get('gpt-4o-mini')?.limits).toBeUndefined();
  });

  it('reports an empty `limits`, and a limit that is not a positive whole number, at its line', () => {
    const error = configErrorsOf(`${PROVIDERS}models:
  empty: { from: gpt-4o-mini, limits: {} }
  zero: { from: gpt-4o-mini, limits: { rpm: 0 } }
  typo: { from: gpt-4o-mini, limits: { rps: 3 } }
`);
    expect(error.issues.map((issue) => [issue.path, issue.line])).toEqual([
      ['models.empty.limits', 5],
      ['models.zero.limits.rpm', 6],
      ['models.typo.limits', 7],
      ['models.typo.limits.rps', 7],
    ]);
    expect(error.issues[0]?.message).toBe('expected rpm, tpm or both, found an empty map');
    expect(error.issues.map((issue) => issue.message).join('\n')).toMatch(/rps/);
  });
});
