import { loadTemplate, type OverridePolicy } from '../render/templates.js';
import type { InlinePart } from '../render/escape.js';
import { TREND_POINTS_SHOWN, trendRow, type TrendRow } from './trends.js';
import { phaseGatesLines } from './status.js';
import { CAUSE_LABELS, type AuditPack, type BlockerGroup, type OverviewPhase, type StagePack } from './pack.js';

// In a module of their own so that the command checks its flags without loading the templates.
export { DEFAULT_MAX_CHARS, MIN_MAX_CHARS } from './size-limit.js';

interface RenderOptions {
  root: string;
  templatesDir: string;
  maxChars: number;
  /** How the repository's overrides of the pack's templates are treated (default: restricted). */
  overrides?: OverridePolicy;
}

/** Up to this many stages, the summary table has a row for each; beyond, similar stages share a row. */
const SUMMARY_ROWS_IN_FULL = 40;
/** Stage ids named in a grouped line (a blocker group, a shared summary row). */
const IDS_NAMED = 6;

/**
 * Renders the pack as markdown from `audit-pack.md.hbs`, `audit-pack-overview.md.hbs` and
 * `audit-pack-stage.md.hbs` (a repository's `templates/` overrides each): the verdict, a summary
 * table of every stage, the blockers grouped by cause, the overview, then each stage's details in a
 * collapsed `<details>` block, most important first (failing, blocked, validating, in progress, not
 * started, done). When the whole pack would exceed `maxChars`, the summary and the overview are kept,
 * with as many stage details as fit; the summary table loses its least important rows (and then the
 * overview goes) only when not even the most important stage's details fit with them. The result is
 * never longer than `maxChars`.
 */
export function renderAuditPack(pack: AuditPack, options: RenderOptions): string {
  const overrides = options.overrides ?? { restricted: true };
  const main = loadTemplate(options.root, options.templatesDir, 'audit-pack.md.hbs', overrides);
  const overviewTemplate = loadTemplate(options.root, options.templatesDir, 'audit-pack-overview.md.hbs', overrides);
  const stageTemplate = loadTemplate(options.root, options.templatesDir, 'audit-pack-stage.md.hbs', overrides);

  const wholeOverview = overviewWithin(pack.overview, options.maxChars, (phases) => tidy(overviewTemplate({ phases: overviewView(phases) })));
  const rows = summaryRows(pack.stages);
  const blockerGroups = pack.outcome.blocker_groups.map(blockerGroupView);
  // Sections are rendered on demand: a pack of the whole history has thousands of stages, of which
  // only the first few fit the size limit.
  const sections: Array<{ id: string; title: string; state: string; body: string }> = [];
  const sectionsUpTo = (kept: number) => {
    for (let i = sections.length; i < kept; i++) {
      const stage = pack.stages[i]!;
      sections.push({ id: stage.id, title: stage.title, state: stage.state, body: tidy(stageTemplate(stageView(stage))).trimEnd() });
    }
    return sections.slice(0, kept);
  };
  const render = (keptRows: number, overview: string, kept: number) => {
    const foldedStages = pack.stages.slice(kept);
    const foldedRows = rows.slice(keptRows);
    const overviewOmitted = overview === '' && pack.overview.length > 0 ? 'The phase overview is left out: it does not fit the size limit.' : '';
    return tidy(
      main({
        ...pack,
        summary_rows: rows.slice(0, keptRows),
        summary_omitted: foldedRows.length === 0 ? '' : `${foldedRows.reduce((sum, row) => sum + row.count, 0)} less important stages are not in this table (${countsOf(foldedRows.flatMap((row) => row.states))}); run \`stagedocs audit-pack --format json\` for everything.`,
        blocker_groups: blockerGroups,
        overview,
        overview_omitted: overviewOmitted,
        sections: sectionsUpTo(kept),
        folded_note:
          foldedStages.length === 0
            ? []
            : [
                {
                  text: `The details of ${foldedStages.length} of ${pack.stages.length} stages (${countsOf(foldedStages.map((stage) => stage.state))}) are left out to keep this pack under ${options.maxChars} characters${keptRows === rows.length ? '; the summary table above lists them' : ''}. Run `,
                },
                { code: 'stagedocs audit-pack <stage-id>' },
                { text: ' for any of them.' },
              ],
      }),
    );
  };

  const all = pack.stages.length;
  // What a reviewer most needs, in order: the summary table (its least important rows last), the
  // overview, then the most important stage's details. The table's rows give way first, then the
  // overview, and only when not even the header and the table's first row fit with that stage's
  // details are they shown alone.
  let chosen: { rows: number; overview: string; wanted: number } | undefined;
  search: for (const wanted of all > 0 ? [1, 0] : [0]) {
    for (const overview of wholeOverview ? [wholeOverview, ''] : ['']) {
      const fitting = largestFitting(rows.length, (count) => render(count, overview, wanted).length <= options.maxChars);
      if (fitting !== undefined) {
        chosen = { rows: fitting, overview, wanted };
        break search;
      }
    }
  }
  // Not even the header fits: as much of it as does, cut at a line.
  if (!chosen) return fitTo(render(rows.length, '', 0), options.maxChars);
  const { rows: keptRows, overview, wanted } = chosen;
  // The pack holds every section whole, so once the sections rendered so far are longer than the
  // limit, no render keeping that many can fit.
  const tooMany = firstPrefixOver(all, options.maxChars, (i) => sectionsUpTo(i + 1)[i]!.body.length);
  const upper = Math.min(all, tooMany ?? all);
  const kept = largestFitting(upper, (count) => count <= wanted || render(keptRows, overview, count).length <= options.maxChars) ?? 0;
  return fitTo(render(keptRows, overview, kept), options.maxChars);
}

/**
 * The largest count in 0..max for which `fits` holds, assuming it holds for every count below one
 * that does (each row or section added makes the pack longer); undefined when not even 0 fits.
 * A binary search: a few renders instead of one per count.
 */
function largestFitting(max: number, fits: (count: number) => boolean): number | undefined {
  if (!fits(0)) return undefined;
  let low = 0;
  let high = max;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** `3 not-started, 1 done`, in the order states first appear. */
function countsOf(states: string[]): string {
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].map(([state, count]) => `${count} ${state}`).join(', ');
}

/** The overview's view: a class per state, phases stacked top to bottom by invisible links. */
function overviewView(phases: OverviewPhase[]) {
  return phases.map((phase, index) => ({
    ...phase,
    index,
    previous: index === 0 ? null : index - 1,
    nodes: phase.nodes.map((node) => ({ ...node, class: node.state.replace(/-/g, '') })),
    // The phase's own gate runs, in the words of `status`.
    gates_lines: phaseGatesLines(phase),
  }));
}

interface SummaryRow {
  label: string;
  state: string;
  last_gate: string;
  changed: string;
  next: InlinePart[];
  count: number;
  states: string[];
}

/**
 * One row per stage, in the pack's order; in a pack of more than `SUMMARY_ROWS_IN_FULL` stages, the
 * stages that share their state, next step, causes and last result share a row (at its first
 * member's place) once there are three of them: 299 stages waiting on their predecessor are one row.
 * Built from each stage's summary only, never its details.
 */
function summaryRows(stages: StagePack[]): SummaryRow[] {
  const single = (stage: StagePack): SummaryRow => ({
    label: `${stage.id} ${stage.title}`,
    state: stage.state,
    last_gate: lastGate(stage),
    changed: changedText(stage),
    next: stage.outcome.next_action_parts,
    count: 1,
    states: [stage.state],
  });
  if (stages.length <= SUMMARY_ROWS_IN_FULL) return stages.map(single);
  const keyOf = (stage: StagePack) =>
    [stage.state, stage.outcome.next_action_kind, [...new Set(stage.outcome.blocker_details.map((blocker) => blocker.cause))].sort().join('+'), stage.last_run?.result ?? 'none'].join(' ');
  const groups = new Map<string, StagePack[]>();
  for (const stage of stages) {
    const key = keyOf(stage);
    const group = groups.get(key);
    if (group) group.push(stage);
    else groups.set(key, [stage]);
  }
  const rows: SummaryRow[] = [];
  for (const stage of stages) {
    const group = groups.get(keyOf(stage))!;
    if (group.length < 3) rows.push(single(stage));
    else if (group[0] === stage) {
      const changed = group.filter((member) => member.change_count.commits > 0).length;
      rows.push({
        label: `${namedIds(group.map((member) => member.id))} (${group.length} stages)`,
        state: stage.state,
        last_gate: stage.last_run ? `${stage.last_run.result} (each)` : 'no runs',
        changed: `${changed} of ${group.length} changed in this range`,
        next: sharedNext(stage),
        count: group.length,
        states: group.map((member) => member.state),
      });
    }
  }
  return rows;
}

function lastGate(stage: StagePack): string {
  const last = stage.last_run;
  if (!last) return 'no runs';
  return last.result === 'pass' ? 'pass' : `fail${last.failed_gates.length > 0 ? ` (${last.failed_gates.join(', ')})` : ''}`;
}

function changedText(stage: StagePack): string {
  const { commits, files } = stage.change_count;
  if (commits === 0) return 'not in this range';
  return `${commits} commit${commits === 1 ? '' : 's'}, ${files} file${files === 1 ? '' : 's'}`;
}

/** The next action a group of similar stages shares, with `<stage-id>` for each one's id. */
function sharedNext(stage: StagePack): InlinePart[] {
  const causes = [...new Set(stage.outcome.blocker_details.map((blocker) => blocker.cause))].sort();
  const labels = causes.map((cause) => CAUSE_LABELS[cause]).join('; ');
  switch (stage.outcome.next_action_kind) {
    case 'waiting':
      return [{ text: `waiting: ${labels} (each)` }];
    case 'blocked':
      return [{ text: `blocked: ${labels || 'marked blocked'} (each)` }];
    case 'signed-off':
      return [{ text: 'signed off' }];
    case 'sign-off':
      return [{ text: 'sign-off allowed: ' }, { code: 'stagedocs sign-off <stage-id>' }];
    case 'prepare-sign-off':
      return [{ text: 'gates passed; finish what sign-off needs (each), then: ' }, { code: 'stagedocs sign-off <stage-id>' }];
    case 'fix-failing-gates':
      return [{ text: 'fix the failing gates, record the root cause in a decision note, then rerun: ' }, { code: 'stagedocs gate run <stage-id>' }];
    case 'run-gates':
      return [{ text: 'run the gates: ' }, { code: 'stagedocs gate run <stage-id>' }];
    case 'start':
      return [{ text: 'start the stage, then run its gates: ' }, { code: 'stagedocs gate run <stage-id>' }];
  }
}

/** `P1-S01, P1-S02, P1-S03, ... P1-S299`: the first few ids and the last. */
function namedIds(ids: string[]): string {
  if (ids.length <= IDS_NAMED) return ids.join(', ');
  return `${ids.slice(0, IDS_NAMED - 1).join(', ')}, ... ${ids.at(-1)}`;
}

function blockerGroupView(group: BlockerGroup) {
  return { ...group, count: group.stages.length, named: namedIds(group.stages) };
}

/**
 * The overview (`''` without phases), or undefined when it is longer than `maxChars` less its final
 * newline: then it cannot fit, as the pack holds it whole. An overview grows with every phase shown, so
 * it is rendered for 1, 2, 4, ... phases and given up as soon as such a part is too long: a pack of the
 * whole history has hundreds of phases, of which only a few dozen fit the limit.
 */
function overviewWithin(phases: OverviewPhase[], maxChars: number, renderPhases: (phases: OverviewPhase[]) => string): string | undefined {
  if (phases.length === 0) return '';
  for (let count = 1; ; count = Math.min(count * 2, phases.length)) {
    const text = renderPhases(phases.slice(0, count));
    if (text.length - 1 > maxChars) return undefined;
    if (count === phases.length) return text;
  }
}

/**
 * The smallest number of sections whose lengths add up to more than `maxChars`, or undefined when
 * all of them do not.
 */
function firstPrefixOver(count: number, maxChars: number, lengthOf: (index: number) => number): number | undefined {
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += lengthOf(i);
    if (total > maxChars) return i + 1;
  }
  return undefined;
}

/** Commits listed per stage in markdown; `--format json` has them all. */
export const COMMITS_SHOWN = 30;

function stageView(stage: StagePack): StagePack & { commits_omitted: number; trend_rows: TrendRow[]; trend_points_shown: number; outcome_lead: InlinePart[]; outcome_items: InlinePart[][]; approvals_shown: ApprovalsView | null } {
  const commits = stage.changes.commits;
  return {
    ...stage,
    changes: { ...stage.changes, commits: commits.slice(0, COMMITS_SHOWN) },
    commits_omitted: Math.max(0, commits.length - COMMITS_SHOWN),
    // Each requirement's newest TREND_POINTS_SHOWN values (formatSeries says how many earlier ones are cut); `--format json` has every one.
    trend_rows: stage.evidence.trends.map(trendRow),
    trend_points_shown: TREND_POINTS_SHOWN,
    ...outcomeLines(stage),
    approvals_shown: approvalsView(stage.approvals),
  };
}

/** The approvals of a stage as its section lists them: the quorum line, then each tag and whether it counts. */
interface ApprovalsView {
  summary: string;
  missing: string[];
  items: Array<{ approver: string; short_commit: string; date: string; counts: boolean; reasons: string; comment: string | null }>;
}

function approvalsView(approvals: StagePack['approvals']): ApprovalsView | null {
  if (!approvals) return null;
  return {
    summary: `${approvals.approvers.length} of ${approvals.min}${approvals.met ? ', met' : ''}`,
    missing: approvals.met ? [] : approvals.missing,
    items: approvals.approvals.map((approval) => ({
      approver: approval.approver || '(no tagger)',
      short_commit: approval.commit.slice(0, 12),
      date: approval.date,
      counts: approval.counts,
      reasons: (approval.not_counted_because ?? []).join('; '),
      comment: approval.comment,
    })),
  };
}

/**
 * The next action, then what stands in the way, each said once: one blocker is the next action's
 * own text; several are listed under `blocked by:` (or `waiting on:`).
 */
function outcomeLines(stage: StagePack): { outcome_lead: InlinePart[]; outcome_items: InlinePart[][] } {
  const { next_action_kind: kind, next_action_parts: next, blocker_details: blockers } = stage.outcome;
  const listed = blockers.map((blocker) => blocker.parts);
  if (kind === 'blocked' || kind === 'waiting') {
    if (blockers.length < 2) return { outcome_lead: next, outcome_items: [] };
    return { outcome_lead: [{ text: kind === 'blocked' ? 'blocked by:' : 'waiting on:' }], outcome_items: listed };
  }
  return { outcome_lead: next, outcome_items: listed };
}

/** Last resort when even the header is too long: cut at a line and say so. */
function fitTo(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = '\n\n_The pack is cut here at the size limit; run `stagedocs audit-pack --format json` for everything._\n';
  const cut = text.lastIndexOf('\n', maxChars - note.length);
  return `${text.slice(0, Math.max(0, cut))}${note}`;
}

/** One blank line between blocks and a single final newline, whatever the template's whitespace. */
function tidy(text: string): string {
  return `${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
