import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';

/** Every example config a README tells users to run is valid, with its provider keys set. */
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const ENV = { ANTHROPIC_API_KEY: 'sk-ant-test', OPENAI_API_KEY: 'sk-test' };

describe('example configs', () => {
  // examples/routellm reads a router file its README has the user train first (`switchyard train`).
  const configs = readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('switchyard.yaml') && !path.startsWith('routellm/'));

  it('are found', () => {
    expect(configs).toContain('claude-code/switchyard.yaml');
  });

  it.each(configs)('%s is valid', (path) => {
    expect(() => parseConfig(readFileSync(`${EXAMPLES}${path}`, 'utf8'), path, { env: ENV, baseDir: `${EXAMPLES}${path.split('/')[0]}` })).not.toThrow();
  });
});
