import { SwitchyardError } from './switchyard-error.js';

export type ConfigIssue = {
  /** Dotted key path, e.g. `routers.auto.routes.code.target`; empty for the document root. */
  path: string;
  message: string;
  line?: number;
  column?: number;
};

/** An invalid configuration. Carries every issue found, so they can all be reported at once. */
export class ConfigError extends SwitchyardError {
  readonly kind = 'config';
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(file, issues));
    this.file = file;
    this.issues = issues;
  }
}

export function formatConfigIssue(file: string, issue: ConfigIssue): string {
  const location = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === '' ? `${location}: ${issue.message}` : `${location}: ${issue.path}: ${issue.message}`;
}

function formatConfigIssues(file: string, issues: readonly ConfigIssue[]): string {
  const noun = issues.length === 1 ? 'error' : 'errors';
  return [`Invalid config (${issues.length} ${noun}):`, ...issues.map((issue) => `  ${formatConfigIssue(file, issue)}`)].join('\n');
}
