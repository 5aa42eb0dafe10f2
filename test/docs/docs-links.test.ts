import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README stays short and every relative link of the README and of docs/ leads somewhere: a file
 * that exists and, for `#anchor`, a heading of that file (GitHub's slugs). No network: links with a
 * scheme (https:, mailto:) are not followed.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README_MAX_LINES = 250;

/** Lines as `wc -l` and an editor count them: a final line without a newline counts too. */
function lineCount(text: string): number {
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') || text === '' ? newlines : newlines + 1;
}

/** The file's lines outside fenced code blocks (``` or ~~~), where links and headings mean nothing. */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (but `-` and `_`), spaces to `-`. */
function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a file's headings, a repeated one numbered as GitHub does (`-1`, `-2`). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Link targets of a file: inline links and images, and reference definitions, outside code. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, 'code');
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1] ?? '');
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose)?.[1];
    if (definition !== undefined) targets.push(definition);
  }
  return targets;
}

/** Every relative link of `files` (paths under `root`) that leads nowhere, as `file: target (why)`. */
function brokenLinks(root: string, files: readonly string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    const markdown = readFileSync(path, 'utf8');
    for (const target of linkTargets(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [pathPart = '', anchor] = target.split('#', 2);
      const linked = pathPart === '' ? path : resolve(dirname(path), decodeURIComponent(pathPart));
      if (!existsSync(linked)) {
        broken.push(`${file}: ${target} (no such file)`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(linked).isDirectory() || !linked.endsWith('.md')) {
        broken.push(`${file}: ${target} (an anchor into a file that is not Markdown)`);
        continue;
      }
      if (!anchorsOf(readFileSync(linked, 'utf8')).has(decodeURIComponent(anchor))) {
        broken.push(`${file}: ${target} (no heading "${anchor}" in ${relative(root, linked)})`);
      }
    }
  }
  return broken;
}

function documentationFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs, 'bench/HISTORY.md'].filter((file) => existsSync(join(ROOT, file)));
}

describe('the README and docs/', () => {
  it(`keep the README at most ${README_MAX_LINES} lines, for a newcomer`, () => {
    const lines = lineCount(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(lines, `README.md has ${lines} lines; move reference text to docs/`).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('link only to files and headings that exist', () => {
    const files = documentationFiles();
    expect(files).toContain('docs/configuration.md');
    expect(brokenLinks(ROOT, files)).toEqual([]);
  });
});

describe('the link check', () => {
  it('makes the anchors GitHub makes', () => {
    expect(githubSlug('Config (`switchyard.yaml`)')).toBe('config-switchyardyaml');
    expect(githubSlug('Rehearsal (`type: mock`)')).toBe('rehearsal-type-mock');
    expect(githubSlug('Traces, feedback, metrics')).toBe('traces-feedback-metrics');
    expect(githubSlug('Budget-aware routing (`on_budget`)')).toBe('budget-aware-routing-on_budget');
    expect(githubSlug('`switchyard keys`')).toBe('switchyard-keys');
    expect(anchorsOf('# A\n## Notes\n```\n## Not a heading\n```\n### Notes\n')).toEqual(new Set(['a', 'notes', 'notes-1']));
  });

  it('finds a missing file and a missing heading, and ignores code and absolute links', () => {
    const root = mkdtempSync(join(tmpdir(), 'switchyard-docs-links-'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'a.md'), '# A\n\n## Keys and budgets\n');
    writeFileSync(
      join(root, 'README.md'),
      [
        '# R',
        'Good: [a](docs/a.md), [keys](docs/a.md#keys-and-budgets), [self](#r), [web](https://example.com/x.md).',
        'Bad: [gone](docs/gone.md), [anchor](docs/a.md#budgets), [self](#nowhere).',
        '`[in code](docs/none.md)`',
        '```',
        '[in a fence](docs/none.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(root, ['README.md', 'docs/a.md'])).toEqual([
      'README.md: docs/gone.md (no such file)',
      'README.md: docs/a.md#budgets (no heading "budgets" in docs/a.md)',
      'README.md: #nowhere (no heading "nowhere" in README.md)',
    ]);
  });

  it('counts lines as wc -l does, with a last line that has no newline', () => {
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount(`${'x\n'.repeat(README_MAX_LINES)}y`)).toBe(README_MAX_LINES + 1);
  });
});
