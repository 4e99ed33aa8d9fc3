import { type Colors } from './colors.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { RULES } from '../rules/index.js';
import { TOOL_VERSION } from '../util/version.js';

/** The summary validation reports, in the contract's JSON shape. */
export interface ValidationReport {
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  fileCount: number;
}

export type ValidationFormat = 'pretty' | 'json' | 'github' | 'sarif';
export const VALIDATION_FORMATS: readonly ValidationFormat[] = ['pretty', 'json', 'github', 'sarif'];

export function formatValidation(report: ValidationReport, format: ValidationFormat, colors: Colors): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'github':
      return formatGithub(report);
    case 'sarif':
      return `${JSON.stringify(toSarif(report), null, 2)}\n`;
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

/** GitHub Actions workflow commands: annotations on the pull request's diff. */
function formatGithub(report: ValidationReport): string {
  const lines = report.diagnostics.map((d) => {
    const properties = [`file=${escapeProperty(d.file)}`, `line=${d.line}`, `col=${d.column}`, `title=${escapeProperty(`stagedocs ${d.ruleId}`)}`];
    const message = d.hint ? `${d.message}\n${d.hint}` : d.message;
    return `::${d.severity === 'error' ? 'error' : 'warning'} ${properties.join(',')}::${escapeData(message)}`;
  });
  lines.push(`${report.fileCount} files checked: ${report.errorCount} errors, ${report.warningCount} warnings`);
  return `${lines.join('\n')}\n`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** SARIF 2.1.0, for code-scanning uploads. */
function toSarif(report: ValidationReport): object {
  const used = [...new Set(report.diagnostics.map((d) => d.ruleId))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'stagedocs',
            version: TOOL_VERSION,
            rules: used.map((id) => ({
              id,
              shortDescription: { text: RULES.find((rule) => rule.meta.id === id)?.meta.description ?? id },
              helpUri: `docs/rules/${id}.md`,
            })),
          },
        },
        results: report.diagnostics.map((d) => ({
          ruleId: d.ruleId,
          level: d.severity === 'error' ? 'error' : 'warning',
          message: { text: d.hint ? `${d.message}. ${d.hint}` : d.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: d.file },
                region: { startLine: d.line, startColumn: d.column },
              },
            },
          ],
        })),
      },
    ],
  };
}
