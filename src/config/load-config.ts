import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import type { BuiltinModelEntry } from '../catalog/builtin-model-entry.js';
import { BUILTIN_MODELS } from '../catalog/builtin-catalog.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { interpolateEnv } from './interpolate-env.js';
import type { ResolvedConfig } from './resolved-config.js';
import { resolveConfig } from './resolve-config.js';
import { locateInYaml } from './yaml-locator.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';
import { validateConfig } from './validate-config.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The built-in quickstart config, shipped in the package's `config/` folder. */
export const QUICKSTART_CONFIG_PATH = fileURLToPath(new URL('../../config/quickstart.yaml', import.meta.url));
export const QUICKSTART_SOURCE = '<quickstart>';

export type ParseOptions = {
  env?: Env;
  /** Defaults to the built-in catalog; tests pass their own. */
  builtin?: Readonly<Record<string, BuiltinModelEntry>>;
  /** Where relative paths in the config are resolved from; defaults to the config file's directory. */
  baseDir?: string;
};

/**
 * Parses and validates config text. Throws a ConfigError listing every problem with its file,
 * line, key path, what was expected and what was found.
 */
export function parseConfig(text: string, source: string, options: ParseOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        return {
          path: '',
          // The position is in the issue itself; the library's message repeats it.
          message: `invalid YAML: ${(error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '')}`,
          ...(position ? { line: position.line, column: position.col } : {}),
        };
      }),
    );
  }
  const raw: unknown = document.toJS() ?? {};
  const position = (issue: ValueIssue): ConfigIssue => {
    const at = locateInYaml(document, lineCounter, issue.path, issue.atKey);
    return { path: issue.path.join('.'), message: issue.message, ...(at ? { line: at.line, column: at.column } : {}) };
  };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, [{ path: '', message: 'expected a map at the top of the file (server, providers, models, routers)' }]);
  }

  const { value, unset } = interpolateEnv(raw, env);
  const isProviderVariable = (path: readonly (string | number)[]): boolean => path[0] === 'providers';
  const isOptionalApiKey = (path: readonly (string | number)[]): boolean => path[0] === 'server' && (path[1] === 'api_keys' || path[1] === 'admin_keys');
  const issues: ValueIssue[] = unset
    .filter((item) => !isProviderVariable(item.path) && !isOptionalApiKey(item.path))
    .map((item) => ({
      path: [...item.path],
      message: `environment variable ${item.variable} is not set (write \${${item.variable}:-default} to give a default)`,
    }));

  const validated = validateConfig(value);
  issues.push(...validated.issues);
  const resolved = resolveConfig(validated.parsed, {
    source,
    baseDir: options.baseDir ?? dirname(resolve(source)),
    unset,
    builtin: options.builtin ?? BUILTIN_MODELS,
  });
  issues.push(...resolved.issues);
  if (issues.length > 0 || !resolved.config) throw new ConfigError(source, byPosition(issues.map(position)));
  return resolved.config;
}

/** In file order, so the report reads top to bottom; issues without a position keep their place at the end. */
function byPosition(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.index - b.index)
    .map(({ issue }) => issue);
}

export function loadConfigFile(file: string, options: ParseOptions = {}): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(file, [{ path: '', message: `cannot read config: ${reason}` }]);
  }
  return parseConfig(text, file, options);
}

export function loadQuickstartConfig(options: ParseOptions = {}): ResolvedConfig {
  return parseConfig(readFileSync(QUICKSTART_CONFIG_PATH, 'utf8'), QUICKSTART_SOURCE, { baseDir: dirname(QUICKSTART_CONFIG_PATH), ...options });
}

/**
 * Where `serve` takes its config from: `--config`, else `$SWITCHYARD_CONFIG`, else
 * `./switchyard.yaml` if it exists, else the built-in quickstart config.
 */
export function findConfig(options: { explicit: string | undefined; env: Env; cwd: string }): string | undefined {
  if (options.explicit !== undefined) return resolve(options.cwd, options.explicit);
  const fromEnv = options.env['SWITCHYARD_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(options.cwd, fromEnv);
  const local = resolve(options.cwd, 'switchyard.yaml');
  return existsSync(local) ? local : undefined;
}

export function loadConfig(options: { explicit: string | undefined; env: Env; cwd: string }): ResolvedConfig {
  const file = findConfig(options);
  return file === undefined ? loadQuickstartConfig({ env: options.env }) : loadConfigFile(file, { env: options.env });
}
