// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of `src/`, top to bottom, as "Layers" in AGENTS.md lists them (a test keeps the two in
 * step): a folder imports only folders of the rows below its own, so no import climbs and no two
 * folders form a cycle. Folders of one row do not import each other.
 */
const LAYERS = [
  ['cli'],
  ['server'],
  ['gateway', 'evaluation'],
  ['config'],
  ['routing'],
  ['execution', 'telemetry', 'keys'],
  ['learning', 'state'],
  ['features', 'providers'],
  ['tokens', 'cost', 'catalog', 'web'],
  ['spec', 'errors'],
  ['util'],
];

/**
 * Folders of one row that may name each other's types (`import type`): a stream part carries an
 * error, an error carries attempts.
 * @type {Record<string, string[]>}
 */
const TYPE_ONLY = { spec: ['errors'], errors: ['spec'] };

/**
 * An import of one of `folders` from anywhere under another top folder of `src/` (`../x/`, `../../x/`, ...).
 * @param {string[]} folders
 */
const reaching = (folders) => `^(\\.\\./)+(${folders.join('|')})/`;

/**
 * One `no-restricted-imports` block per folder: the folders of its own row and the rows above.
 * @returns {import('eslint').Linter.Config[]}
 */
function layerRules() {
  return LAYERS.flatMap((row, index) =>
    row.map((folder) => {
      const typeOnly = TYPE_ONLY[folder] ?? [];
      const banned = LAYERS.slice(0, index + 1).flat().filter((other) => other !== folder && !typeOnly.includes(other));
      const message = `${folder}/ imports only folders of lower layers ("Layers" in AGENTS.md): move what it needs down to the folder that owns it, often spec/.`;
      /** @type {object[]} */
      const patterns = [{ regex: reaching(banned), caseSensitive: true, message }];
      if (typeOnly.length > 0) {
        patterns.push({ regex: reaching(typeOnly), caseSensitive: true, allowTypeImports: true, message: `${folder}/ imports only types from ${typeOnly.join('/, ')}/.` });
      }
      return {
        files: [`src/${folder}/**/*.ts`],
        // A test may reach up for a loader or a fixture; the layers are about the product's code.
        ignores: ['src/**/*.test.ts'],
        rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
      };
    }),
  );
}

export default tseslint.config(
  // src/web/generated/ is the built dashboard page (scripts/build-dashboard.mjs), not a source.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/web/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  ...layerRules(),
  {
    // The dashboard's script runs in the browser, bundled alone (scripts/build-dashboard.mjs): it may
    // import only its own modules, never Node or the gateway's code. Its globals are the DOM's,
    // which its own tsconfig (lib "DOM") checks; no-undef is off for TypeScript.
    files: ['src/web/dashboard/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(node:|\\.\\./|[^.])', message: 'The dashboard runs in the browser: it imports only its own modules (./x.js).' }] }],
    },
  },
  {
    // The CLI, tests and build scripts are allowed to talk to the terminal.
    files: ['src/cli/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Benchmarks and build scripts are plain Node scripts.
    files: ['bench/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        performance: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
      },
    },
  },
);
