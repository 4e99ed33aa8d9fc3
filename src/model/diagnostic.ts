/** How serious a finding is once the configuration has been applied. */
export type Severity = 'error' | 'warning';

/**
 * The one diagnostic type of stagedocs: schema, rule, git and gate problems all take this shape.
 * `file` is relative to the repository root with forward slashes; `line` and `column` are 1-based.
 */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  ruleId: string;
  severity: Severity;
  message: string;
  /** How to fix it, in one sentence. */
  hint?: string;
  /** Where the rule is documented (repository-relative docs page of the package). */
  docs?: string;
}

/** What a rule reports; the engine stamps ruleId, severity and docs on it. */
export interface Finding {
  /** Defaults to the document being checked. */
  file?: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  hint?: string;
  /**
   * `warning`: this finding is never more than a warning, whatever the rule's severity (a rule whose
   * findings differ in weight, such as a symlink that stays inside the repository against one that
   * leaves it). Turning the rule off still silences it.
   */
  atMost?: 'warning';
}

/** A 1-based place in a file. */
export interface Position {
  line: number;
  column: number;
}

/** Orders diagnostics by file, line, column, rule, message: the stable order of every report. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.message, b.message)
  );
}

/** Code-unit order, independent of the locale, so that output is byte-stable across machines. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
