// The one error type of @station/config: every problem found in a configuration file, reported together.

/** Why a configuration could not be loaded. */
export type ConfigErrorCode = 'INVALID_CONFIG' | 'NOT_FOUND' | 'UNREADABLE' | 'YAML_SYNTAX';

/** One problem, located in the file. `line`/`column` are 1-based; 0 when the problem is the file itself. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Field path such as `batches[1].auto_start`; empty for the whole file. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
}

/** Formats one issue as `file:line:col path: message`, the form editors and terminals can jump to. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

function headline(code: ConfigErrorCode, issues: readonly ConfigIssue[]): string {
  const file = issues[0]?.file ?? 'configuration';
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  switch (code) {
    case 'NOT_FOUND':
      return 'configuration file not found';
    case 'UNREADABLE':
      return `cannot read configuration file ${file}`;
    case 'YAML_SYNTAX':
      return `${file} is not valid YAML (${count})`;
    case 'INVALID_CONFIG':
      return `${file} is not a valid station configuration (${count})`;
  }
}

/**
 * Thrown by `parseConfig` / `loadConfig`. `issues` holds every problem found, not just the first; the
 * message has a headline and then one line per issue.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly issues: readonly ConfigIssue[];

  constructor(code: ConfigErrorCode, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super([headline(code, issues), ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n'), options);
    this.code = code;
    this.issues = issues;
  }
}
