import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer check of `npm run lint` against the list it enforces: "Layers" in AGENTS.md. Probe
 * files that exist only in memory import across folders, and ESLint (with the repository's own
 * config) must reject exactly the imports that climb or cross a row.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';

/** The rows of the numbered list under "## Layers", each the folders it names (`x/`). */
function layersOfAgentsMd(): string[][] {
  const text = readFileSync(`${ROOT}AGENTS.md`, 'utf8');
  const section = text.slice(text.indexOf('## Layers'), text.indexOf('\n## ', text.indexOf('## Layers') + 1));
  return section
    .split('\n')
    .filter((line) => /^\d+\.\s/.test(line))
    .map((line) => [...line.matchAll(/`([a-z-]+)\/`/g)].map((match) => match[1] ?? ''));
}

const ROWS = layersOfAgentsMd();
const FOLDERS = ROWS.flat();
const rowOf = (folder: string): number => ROWS.findIndex((row) => row.includes(folder));

let eslint: ESLint;

/** The line numbers (1-based) of `code` the layer rule rejects when it sits at `filePath`. */
async function rejectedLines(code: string, filePath: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return (result?.messages ?? []).filter((message) => message.ruleId === RULE).map((message) => message.line);
}

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

describe('layers', () => {
  it('AGENTS.md places every folder of src/ exactly once', () => {
    const folders = readdirSync(`${ROOT}src`, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(ROWS.length).toBeGreaterThan(5);
    expect([...FOLDERS].sort()).toEqual([...folders].sort());
    expect(new Set(FOLDERS).size).toBe(FOLDERS.length);
  });

  it('rejects every import that climbs or stays on its row, and only those', async () => {
    const wrong: string[] = [];
    for (const from of FOLDERS) {
      const targets = FOLDERS.filter((to) => to !== from);
      const code = targets.map((to) => `export * from '../${to}/probe.js';`).join('\n');
      const rejected = new Set(await rejectedLines(code, `src/${from}/layer-probe.ts`));
      targets.forEach((to, index) => {
        const expected = rowOf(to) <= rowOf(from);
        if (rejected.has(index + 1) !== expected) wrong.push(`${from}/ -> ${to}/: ${expected ? 'allowed' : 'rejected'}`);
      });
    }
    expect(wrong).toEqual([]);
  });

  it('catches the import from any depth of a folder, types included', async () => {
    expect(await rejectedLines("import { Routing } from '../../routing/routing.js';\nexport { Routing };\n", 'src/providers/openai/layer-probe.ts')).toEqual([1]);
    expect(await rejectedLines("import type { RouterSpec } from '../../../routing/router-spec.js';\nexport type { RouterSpec };\n", 'src/providers/a/b/layer-probe.ts')).toEqual([1]);
    expect(await rejectedLines("export type { ResolvedConfig } from '../../config/resolved-config.js';\n", 'src/routing/signals/layer-probe.ts')).toEqual([1]);
    expect(await rejectedLines("export { sleep } from '../../util/sleep.js';\nexport type { ProviderConfig } from '../provider-config.js';\n", 'src/providers/mock/layer-probe.ts')).toEqual([]);
  });

  it('lets spec/ and errors/ name each other\'s types, and nothing else', async () => {
    for (const [from, to] of [['spec', 'errors'], ['errors', 'spec']] as const) {
      const code = `export type { T } from '../${to}/probe.js';\nexport { v } from '../${to}/probe.js';\n`;
      expect(await rejectedLines(code, `src/${from}/layer-probe.ts`)).toEqual([2]);
    }
  });

  it('leaves tests free to reach any folder', async () => {
    expect(await rejectedLines("export * from '../routing/routing.js';\n", 'src/providers/layer-probe.test.ts')).toEqual([]);
  });
});
