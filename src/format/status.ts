import { type Colors } from './colors.js';
import { readinessLine, type StageStatusReport, type StatusReport, type StatusStage } from '../audit/status.js';
import { trendLine, trendRow } from '../audit/trends.js';
import { markdownCell, markdownHeading } from '../render/escape.js';
import { singleLine } from '../util/text.js';

/** Terminal table: one block per phase, a progress bar when colours (a TTY) are on. */
export function formatStatusTable(report: StatusReport, colors: Colors, tty: boolean): string {
  const lines: string[] = [];
  const paint = (stage: StatusStage, text: string) =>
    stage.state === 'done' ? colors.green(text) : stage.state === 'blocked' || stage.state === 'failed' ? colors.red(text) : stage.state === 'not-started' ? colors.dim(text) : colors.yellow(text);
  const block = (heading: string, stages: StatusStage[]) => {
    lines.push(heading);
    const idWidth = Math.max(2, ...stages.map((stage) => stage.id.length));
    const stateWidth = Math.max(5, ...stages.map((stage) => stage.state.length));
    for (const stage of stages) {
      const last = stage.last_run ? `${stage.last_run.result} ${stage.last_run.finished_at.slice(0, 10)}` : 'no runs';
      lines.push(`  ${stage.id.padEnd(idWidth)}  ${paint(stage, stage.state.padEnd(stateWidth))}  ${last.padEnd(15)}  ${singleLine(stage.title)}`);
      lines.push(`  ${' '.repeat(idWidth)}  ${colors.dim(`-> ${singleLine(stage.next_action)}`)}`);
    }
    lines.push('');
  };
  for (const phase of report.phases) {
    const progress = tty ? `${bar(phase.done, phase.total)} ` : '';
    const contract = [readinessLine(phase), ...phase.entry_unmet.map((problem) => `entry unmet: ${problem.reason}`)].filter((line) => line !== '');
    block(`${colors.bold(`${phase.id} ${singleLine(phase.title)}`)}  ${progress}${phase.done}/${phase.total} done${contract.map((line) => `\n  ${colors.dim(singleLine(line))}`).join('')}`, phase.stages);
  }
  if (report.orphans.length > 0) block(colors.bold('Stages whose phase is missing'), report.orphans);
  if (report.phases.length === 0 && report.orphans.length === 0) lines.push('No phases or stages yet. Run `stagedocs new-phase <slug> --pattern <name>`.', '');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** Markdown for job summaries and issues; stage text escaped. */
export function formatStatusMarkdown(report: StatusReport): string {
  const lines = ['# Status', ''];
  const table = (stages: StatusStage[]) => {
    lines.push('| Stage | Title | Status | Last gate result | Next action or blocker |', '|---|---|---|---|---|');
    for (const stage of stages) {
      const last = stage.last_run ? `${stage.last_run.result} (${stage.last_run.finished_at})` : 'no runs';
      lines.push(`| ${markdownCell(stage.id)} | ${markdownCell(stage.title)} | ${markdownCell(stage.state)} | ${markdownCell(last)} | ${markdownCell(stage.next_action)} |`);
    }
    lines.push('');
  };
  for (const phase of report.phases) {
    lines.push(`## ${markdownHeading(phase.id)} ${markdownHeading(phase.title)}`, '', `${phase.done} of ${phase.total} stages done.`, '');
    const readiness = readinessLine(phase);
    if (readiness !== '') lines.push(markdownCell(readiness), '');
    for (const problem of phase.entry_unmet) lines.push(`- entry unmet: ${markdownCell(problem.reason)}`);
    if (phase.entry_unmet.length > 0) lines.push('');
    if (phase.stages.length > 0) table(phase.stages);
  }
  if (report.orphans.length > 0) {
    lines.push('## Stages whose phase is missing', '');
    table(report.orphans);
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/**
 * `status --stage`: the stage's line and next action, then one line per measured requirement, its
 * newest values oldest first: `coverage.lines  68% -> 71% -> 74%  (min 70%: met, up)`.
 */
export function formatStageStatusTable(report: StageStatusReport, colors: Colors): string {
  const { stage } = report;
  const last = stage.last_run ? `${stage.last_run.result} ${stage.last_run.finished_at.slice(0, 10)}` : 'no runs';
  const lines = [colors.bold(`${stage.id} ${singleLine(stage.title)}`), `  ${stage.state}  ${last}  ${stage.file}`, `  ${colors.dim(`-> ${singleLine(stage.next_action)}`)}`, ''];
  if (report.trends.length === 0) lines.push('No measured requirement in its runs.');
  else {
    lines.push('Measured requirements (oldest run first):');
    for (const trend of report.trends) lines.push(`  ${singleLine(trendLine(trend))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `status --stage --format md`: the stage's line and the table of its requirements, as the audit pack shows it. */
export function formatStageStatusMarkdown(report: StageStatusReport): string {
  const { stage } = report;
  const lines = [`# ${markdownHeading(stage.id)} ${markdownHeading(stage.title)}`, '', `${markdownCell(stage.state)}: ${markdownCell(stage.next_action)}`, ''];
  if (report.trends.length === 0) lines.push('No measured requirement in its runs.');
  else {
    lines.push('| Requirement | Values, oldest run first | Target | Newest counted run | Trend |', '|---|---|---|---|---|');
    for (const row of report.trends.map(trendRow)) lines.push(`| ${markdownCell(row.requirement)} | ${markdownCell(row.values)} | ${markdownCell(row.target)} | ${markdownCell(row.verdict)} | ${markdownCell(row.direction)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}
