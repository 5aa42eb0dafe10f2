import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The error map's exhaustiveness is a compile-time property: these tests compile the real files
// with the project's compiler options, each time with one edit a future change could make.
const root = fileURLToPath(new URL('../../', import.meta.url));
const MAP = `${root}src/server/error-to-http.ts`;
const KINDS = `${root}src/errors/switchyard-error.ts`;
const UNION = `${root}src/errors/any-switchyard-error.ts`;

const { config } = ts.readConfigFile(`${root}tsconfig.json`, (path) => ts.sys.readFile(path));
const options: ts.CompilerOptions = { ...ts.parseJsonConfigFileContent(config, ts.sys, root).options, noEmit: true };
const host = ts.createCompilerHost(options);
const parsed = new Map<string, ts.SourceFile | undefined>();
const readSource = host.getSourceFile.bind(host);
let previous: ts.Program | undefined;

/** Compiles the error map with `edits` applied in memory (file → text); returns the error messages, with their file. */
function typecheck(edits: ReadonlyMap<string, string> = new Map()): string[] {
  const programHost: ts.CompilerHost = {
    ...host,
    getSourceFile: (fileName, language, onError) => {
      const edited = edits.get(fileName);
      if (edited !== undefined) return ts.createSourceFile(fileName, edited, language);
      if (!parsed.has(fileName)) parsed.set(fileName, readSource(fileName, language, onError));
      return parsed.get(fileName);
    },
  };
  previous = ts.createProgram({ rootNames: [MAP], options, host: programHost, ...(previous ? { oldProgram: previous } : {}) });
  return ts.getPreEmitDiagnostics(previous).map((diagnostic) => `${diagnostic.file?.fileName.slice(root.length) ?? ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
}

/** `file`'s text with `from` replaced by `to`; fails when `from` is not there, so a stale edit cannot pass silently. */
function edit(file: string, from: string, to: string): [string, string] {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  return [file, text.replace(from, to)];
}

const STARTUP_ENTRY = "  startup: (error) => answer(error, 500, 'server_error', 'internal_error'),\n";
const NEW_KIND = ["  | 'startup'\n", "  | 'startup'\n  | 'quota_exceeded'\n"] as const;

describe('the error-to-HTTP map is exhaustive by construction', () => {
  it('compiles as it is', () => {
    expect(typecheck()).toEqual([]);
  });

  it('does not compile when a kind has no entry', () => {
    const errors = typecheck(new Map([edit(MAP, STARTUP_ENTRY, '')]));
    expect(errors.some((error) => error.startsWith("src/server/error-to-http.ts: Property 'startup' is missing"))).toBe(true);
  });

  it('does not compile when a new kind has an entry but no class in AnySwitchyardError', () => {
    const errors = typecheck(
      new Map([edit(KINDS, ...NEW_KIND), edit(MAP, STARTUP_ENTRY, `${STARTUP_ENTRY}  quota_exceeded: (error) => answer(error, 429, 'rate_limit_error', 'quota_exceeded'),\n`)]),
    );
    expect(errors.some((error) => error.startsWith("src/errors/any-switchyard-error.ts: Type 'K' cannot be used to index type 'ClassByKind'"))).toBe(true);
  });

  it('does not compile when a class is dropped from AnySwitchyardError', () => {
    const errors = typecheck(new Map([edit(UNION, '  | StartupError\n', '')]));
    expect(errors.some((error) => error.startsWith("src/errors/any-switchyard-error.ts: Type 'K' cannot be used to index type 'ClassByKind'"))).toBe(true);
  });
});
