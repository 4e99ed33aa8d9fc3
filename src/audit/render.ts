import { loadTemplate } from '../render/templates.js';
import type { AuditPack, OverviewPhase, StagePack } from './pack.js';

// In a module of their own so that the command checks its flags without loading the templates.
export { DEFAULT_MAX_CHARS, MIN_MAX_CHARS } from './size-limit.js';

export interface RenderOptions {
  root: string;
  templatesDir: string;
  maxChars: number;
}

/**
 * Renders the pack as markdown from `audit-pack.md.hbs`, `audit-pack-overview.md.hbs` and
 * `audit-pack-stage.md.hbs` (a repository's `templates/` overrides each). When the whole pack would
 * exceed `maxChars`, stages are kept in the pack's order (blocked and failed first, then validating,
 * in progress, not started, done) while they fit, and the rest are listed with their next action.
 * The result is never longer than `maxChars`.
 */
export function renderAuditPack(pack: AuditPack, options: RenderOptions): string {
  const main = loadTemplate(options.root, options.templatesDir, 'audit-pack.md.hbs');
  const overviewTemplate = loadTemplate(options.root, options.templatesDir, 'audit-pack-overview.md.hbs');
  const stageTemplate = loadTemplate(options.root, options.templatesDir, 'audit-pack-stage.md.hbs');

  const wholeOverview = overviewWithin(pack.overview, options.maxChars, (phases) =>
    tidy(overviewTemplate({ phases: phases.map((phase) => ({ ...phase, nodes: phase.nodes.map((node) => ({ ...node, class: node.state.replace(/-/g, '') })) })) })),
  );
  let overview = wholeOverview ?? '';
  // Sections are rendered on demand: a pack of the whole history has thousands of stages, of which
  // only the first few fit the size limit.
  const sections: string[] = [];
  const sectionsUpTo = (kept: number) => {
    for (let i = sections.length; i < kept; i++) sections.push(tidy(stageTemplate(stageView(pack.stages[i]!))));
    return sections.slice(0, kept);
  };
  const render = (kept: number, overviewOmitted: string) => {
    const folded = pack.stages.slice(kept);
    return tidy(
      main({
        ...pack,
        overview,
        overview_omitted: overviewOmitted,
        sections: sectionsUpTo(kept),
        folded: folded.map(foldedEntry),
        folded_note:
          folded.length === 0
            ? ''
            : `${folded.length} of ${pack.stages.length} stages are left out to keep this pack under ${options.maxChars} characters; they are listed here, least important last. Run \`stagedocs audit-pack <stage-id>\` for any of them.`,
      }),
    );
  };

  // The overview goes first when the pack with no stage in full does not fit with it; one longer than
  // the limit (see overviewWithin) is left out without rendering the pack around it.
  let overviewOmitted = '';
  let smallest = wholeOverview === undefined ? '' : render(0, '');
  if (wholeOverview === undefined || (overview !== '' && smallest.length > options.maxChars)) {
    overview = '';
    overviewOmitted = 'The phase overview is left out: it does not fit the size limit.';
    smallest = render(0, overviewOmitted);
  }
  // The size grows with every stage kept in full (a section is longer than the list entry it
  // replaces): when the pack with none in full does not fit, neither does the whole pack nor any
  // longer prefix, and no stage section has to be built at all (a pack of the whole history, whose
  // list of stages alone is over the limit, ends here).
  if (smallest.length > options.maxChars) return fitTo(smallest, options.maxChars);

  // The pack holds every section whole, so once the sections rendered so far are longer than the
  // limit, no render keeping that many can fit: the whole pack is not tried.
  const tooMany = firstPrefixOver(pack.stages.length, options.maxChars, (i) => sectionsUpTo(i + 1)[i]!.length);
  if (tooMany === undefined && overviewOmitted === '') {
    const full = render(pack.stages.length, '');
    if (full.length <= options.maxChars) return full;
  }

  // Keep the longest prefix of stages (most important first) that fits with the list of the rest.
  // A binary search: a few renders instead of one per stage. Each added section is longer than the
  // list entry it replaces, so the size grows with the prefix; fitTo still guarantees the bound.
  let low = 0;
  let high = Math.min(pack.stages.length, tooMany ?? pack.stages.length) - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (render(middle, overviewOmitted).length <= options.maxChars) low = middle;
    else high = middle - 1;
  }
  return fitTo(low === 0 ? smallest : render(low, overviewOmitted), options.maxChars);
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
 * The smallest number of sections whose lengths (less the final newline each, which joining may fold)
 * add up to more than `maxChars`, or undefined when all of them do not.
 */
function firstPrefixOver(count: number, maxChars: number, lengthOf: (index: number) => number): number | undefined {
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += lengthOf(i) - 1;
    if (total > maxChars) return i + 1;
  }
  return undefined;
}

/** Commits listed per stage in markdown; `--format json` has them all. */
export const COMMITS_SHOWN = 30;

function stageView(stage: StagePack): StagePack & { commits_omitted: number } {
  const commits = stage.changes.commits;
  return { ...stage, changes: { ...stage.changes, commits: commits.slice(0, COMMITS_SHOWN) }, commits_omitted: Math.max(0, commits.length - COMMITS_SHOWN) };
}

function foldedEntry(stage: StagePack): { id: string; title: string; state: string; next_action: string } {
  return { id: stage.id, title: stage.title, state: stage.state, next_action: stage.outcome.next_action };
}

/** Last resort when even the list of left-out stages is too long: cut at a line and say so. */
function fitTo(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = '\n\n_The list above is cut at the size limit; run `stagedocs audit-pack --format json` for everything._\n';
  const cut = text.lastIndexOf('\n', maxChars - note.length);
  return `${text.slice(0, Math.max(0, cut))}${note}`;
}

/** One blank line between blocks and a single final newline, whatever the template's whitespace. */
function tidy(text: string): string {
  return `${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
