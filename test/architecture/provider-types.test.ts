import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/provider-registry.js';

/**
 * "Providers own their settings" (AGENTS.md): outside `src/providers/`, no product file branches on
 * a provider `type` or spells its entry schema, so a new provider edits only its folder and the
 * registry line. (Provider *names* such as `provider: 'openai'` in the built-in catalog are data.)
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function productFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.startsWith('providers/'));
}

/** `x.type === 'openai'`, `type !== "mock"`, `type: 'openai'`, `z.literal('mock')`, `case 'openai':`. */
function typeMentions(type: string): RegExp {
  const quoted = `['"\`]${type}['"\`]`;
  return new RegExp(`(\\btype\\s*[!=]==?\\s*${quoted}|${quoted}\\s*[!=]==?\\s*\\w+(\\?)?\\.type\\b|\\btype:\\s*${quoted}|literal\\(\\s*${quoted}|case\\s+${quoted}\\s*:)`);
}

describe('provider types', () => {
  it('appear in no product file outside providers/', () => {
    const files = productFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(PROVIDERS.length).toBeGreaterThan(1);
    const found = PROVIDERS.flatMap((definition) =>
      files.flatMap((path) =>
        readFileSync(`${SRC}${path}`, 'utf8')
          .split('\n')
          .flatMap((line, index) => (typeMentions(definition.type).test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
      ),
    );
    expect(found).toEqual([]);
  });
});
