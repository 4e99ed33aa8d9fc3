import type { Diagnostic } from '../model/diagnostic.js';
import { markdownCell } from '../render/escape.js';
import { inertText, singleLine } from '../util/text.js';

/**
 * GitHub shows at most this many annotations of each severity per step and drops the rest without a
 * word (docs: "Workflow commands for GitHub Actions", limits of annotations).
 */
export const GITHUB_ANNOTATION_LIMIT = 10;

export interface GithubOptions {
  /** The full list also goes to the job summary (`$GITHUB_STEP_SUMMARY` is set). */
  jobSummary?: boolean;
}

interface ReportLike {
  diagnostics: readonly Diagnostic[];
  errorCount: number;
  warningCount: number;
  fileCount: number;
}

/**
 * Workflow commands: one annotation per diagnostic, as many as GitHub displays. When a severity has
 * more, the last slot says how many were left out and that the job summary lists them all; every
 * diagnostic is also printed as a plain log line, so the log has the full list too.
 */
export function formatGithub(report: ReportLike, options: GithubOptions = {}): string {
  const where = options.jobSummary ? 'the job summary and in this step\'s log' : 'this step\'s log';
  const lines: string[] = [];
  for (const severity of ['error', 'warning'] as const) {
    const all = report.diagnostics.filter((d) => d.severity === severity);
    const capped = all.length > GITHUB_ANNOTATION_LIMIT;
    const shown = capped ? all.slice(0, GITHUB_ANNOTATION_LIMIT - 1) : all;
    for (const d of shown) lines.push(annotation(severity, d.hint ? `${d.message}\n${d.hint}` : d.message, { file: d.file, line: d.line, col: d.column, title: `stagedocs ${d.ruleId}` }));
    if (capped) {
      const rest = all.length - shown.length;
      const noun = severity === 'error' ? 'errors' : 'warnings';
      lines.push(
        annotation(
          severity,
          `${rest} more stagedocs ${noun} are not shown as annotations (GitHub shows ${GITHUB_ANNOTATION_LIMIT} ${noun} per step). All ${all.length} are listed in ${where}.`,
          { title: `stagedocs: ${rest} more ${noun}` },
        ),
      );
    }
  }
  // Plain lines start with the severity, so no file name can make one read as a workflow command.
  for (const d of report.diagnostics) lines.push(`${d.severity === 'error' ? 'error  ' : 'warning'}  ${singleLine(d.file)}:${d.line}:${d.column}  ${singleLine(d.message)}  ${d.ruleId}`);
  lines.push(`${report.fileCount} files checked: ${report.errorCount} errors, ${report.warningCount} warnings`);
  return `${lines.join('\n')}\n`;
}

/** The job summary (`$GITHUB_STEP_SUMMARY`): every diagnostic, as a markdown table. */
export function githubJobSummary(report: ReportLike): string {
  const lines = [`### stagedocs validate: ${report.errorCount} errors, ${report.warningCount} warnings in ${report.fileCount} files`, ''];
  if (report.diagnostics.length > 0) {
    lines.push('| file | line | column | severity | rule | message |', '|---|---:|---:|---|---|---|');
    for (const d of report.diagnostics) {
      lines.push(`| ${markdownCell(d.file)} | ${d.line} | ${d.column} | ${d.severity} | ${markdownCell(d.ruleId)} | ${markdownCell(d.hint ? `${d.message}. ${d.hint}` : d.message)} |`);
    }
    lines.push('');
  }
  // Written to a file, not through the CLI's streams: made inert here.
  return inertText(`${lines.join('\n')}\n`);
}

/**
 * One workflow command. Properties and data are escaped per GitHub's rules (`%`, CR, LF in both;
 * `:` and `,` too in properties), so no text of a document can end the command or start another.
 */
export function annotation(severity: 'error' | 'warning' | 'notice', message: string, properties: { file?: string; line?: number; col?: number; title?: string } = {}): string {
  const parts: string[] = [];
  if (properties.file !== undefined) parts.push(`file=${escapeProperty(properties.file)}`);
  if (properties.line !== undefined) parts.push(`line=${properties.line}`);
  if (properties.col !== undefined) parts.push(`col=${properties.col}`);
  if (properties.title !== undefined) parts.push(`title=${escapeProperty(properties.title)}`);
  return `::${severity}${parts.length > 0 ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
