import { type Colors } from './colors.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { formatGithub, type GithubOptions } from './github.js';
import { toSarif, type SarifOptions } from './sarif.js';

/** The summary validation reports, in the contract's JSON shape. */
export interface ValidationReport {
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  fileCount: number;
  /** Why some checks did not run (history rules in a shallow clone); absent when every check ran. */
  notes?: string[];
}

type ValidationFormat = 'pretty' | 'json' | 'github' | 'sarif';

/** Options of the machine formats: the SARIF rule pages' base URL, whether a job summary is written. */
type FormatOptions = SarifOptions & GithubOptions;

export function formatValidation(report: ValidationReport, format: ValidationFormat, colors: Colors, options: FormatOptions = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'github':
      return formatGithub(report, options);
    case 'sarif':
      return `${JSON.stringify(toSarif(report, options), null, 2)}\n`;
    case 'pretty':
      return formatPretty(report, colors);
  }
}

/** `path:line:column  severity  message  rule-id`, grouped by file, hints indented, a summary last. */
function formatPretty(report: ValidationReport, colors: Colors): string {
  const lines: string[] = [];
  let previousFile: string | undefined;
  for (const d of report.diagnostics) {
    if (previousFile !== undefined && d.file !== previousFile) lines.push('');
    previousFile = d.file;
    const severity = d.severity === 'error' ? colors.red('error  ') : colors.yellow('warning');
    lines.push(`${colors.underline(`${d.file}:${d.line}:${d.column}`)}  ${severity}  ${d.message}  ${colors.dim(d.ruleId)}`);
    if (d.hint) lines.push(`    ${colors.dim('hint:')} ${d.hint}`);
  }
  if (lines.length > 0) lines.push('');
  lines.push(summaryLine(report, colors));
  return `${lines.join('\n')}\n`;
}

function summaryLine(report: ValidationReport, colors: Colors): string {
  const files = `${report.fileCount} ${report.fileCount === 1 ? 'file' : 'files'}`;
  if (report.errorCount === 0 && report.warningCount === 0) return colors.green(`✔ ${files} checked, no problems`);
  const counts = `${report.errorCount} ${report.errorCount === 1 ? 'error' : 'errors'}, ${report.warningCount} ${report.warningCount === 1 ? 'warning' : 'warnings'}`;
  const text = `${report.errorCount > 0 ? '✖' : '⚠'} ${files} checked: ${counts}`;
  return report.errorCount > 0 ? colors.red(colors.bold(text)) : colors.yellow(colors.bold(text));
}
