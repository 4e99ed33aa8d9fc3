import { type Config } from '../model/config.js';
import { compareDiagnostics, type Diagnostic, type Finding, type Severity } from '../model/diagnostic.js';
import type { Rule } from '../rules/types.js';

/** A finding as the rules report it and the result cache keeps it: before severities and `only`, with its file and rule. */
export type RawFinding = Finding & { ruleId: string; file: string };

/** The severity a rule's findings get, or undefined when the rule is off. */
export function severityOf(ruleId: string, config: Config, rules: readonly Rule[]): Severity | undefined {
  const setting = config.rules[ruleId]?.severity ?? rules.find((rule) => rule.meta.id === ruleId)?.meta.defaultSeverity ?? 'error';
  if (setting === 'off') return undefined;
  return setting === 'warn' ? 'warning' : 'error';
}

/**
 * The diagnostics a caller sees: each finding of a rule that is on and of a file in `only` (all when
 * absent), stamped with its severity and docs page, in the one order of `compareDiagnostics`.
 */
export function diagnosticsOf(raw: readonly RawFinding[], config: Config, rules: readonly Rule[], only: ReadonlySet<string> | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const finding of raw) {
    if (only && !only.has(finding.file)) continue;
    const severity = severityOf(finding.ruleId, config, rules);
    if (!severity) continue;
    diagnostics.push(toDiagnostic(finding, finding.atMost ?? severity));
  }
  return diagnostics.sort(compareDiagnostics);
}

/** What the engine adds to a rule's finding: 1-based positions, the severity and the rule's docs page. */
function toDiagnostic(finding: RawFinding, severity: Severity): Diagnostic {
  const diagnostic: Diagnostic = {
    file: finding.file,
    line: Math.max(1, finding.line),
    column: Math.max(1, finding.column),
    ruleId: finding.ruleId,
    severity,
    message: finding.message,
  };
  if (finding.endLine !== undefined) diagnostic.endLine = finding.endLine;
  if (finding.endColumn !== undefined) diagnostic.endColumn = finding.endColumn;
  if (finding.hint) diagnostic.hint = finding.hint;
  diagnostic.docs = `docs/rules/${finding.ruleId}.md`;
  return diagnostic;
}
