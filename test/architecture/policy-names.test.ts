import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLICIES } from '../../src/routing/policies/policy-registry.js';

/**
 * "One module per policy" (AGENTS.md): outside `src/routing/policies/`, no product file branches on
 * a policy's name (`policy === 'cascade'`, `case 'parallel':`, `'x' in target`), so a new policy is
 * one folder and one registry line. The predicted policies' names are also the `policy` of the
 * Decision's `prediction`, which `eval` and `calibrate` read; that is data, not a branch on a target,
 * and `spec/decision.ts` spells the fields each policy shows (the public contract).
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function productFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.startsWith('routing/policies/') && path !== 'spec/decision.ts');
}

/** `target.policy === 'cascade'`, `policy !== "x"`, `'x' in target`, `policy: 'x'` (a target built by hand); `case 'x':` in a file that switches on a policy. */
function branchesOn(name: string, switchesOnPolicy: boolean): RegExp {
  const quoted = `['"\`]${name}['"\`]`;
  const cases = switchesOnPolicy ? `|case\\s+${quoted}\\s*:` : '';
  return new RegExp(`(\\bpolicy\\s*[!=]==?\\s*${quoted}|${quoted}\\s*[!=]==?\\s*[\\w.?]*policy\\b|${quoted}\\s+in\\s+\\w+|\\bpolicy:\\s*${quoted}${cases})`);
}

/** Reading a Decision's prediction (`prediction.policy === 'strong_weak'`) is reading data the predicted policies write. */
const READS_PREDICTION = /prediction\??\.policy|Prediction/;

describe('policy names', () => {
  it('are branched on by no product file outside routing/policies/', () => {
    const files = productFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(POLICIES.length).toBeGreaterThan(5);
    const found = files.flatMap((path) => {
      const text = readFileSync(`${SRC}${path}`, 'utf8');
      const switchesOnPolicy = /switch\s*\([^)]*policy\)/.test(text);
      return POLICIES.flatMap((definition) =>
        text.split('\n').flatMap((line, index) => (branchesOn(definition.name, switchesOnPolicy).test(line) && !READS_PREDICTION.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
      );
    });
    expect(found).toEqual([]);
  });
});
