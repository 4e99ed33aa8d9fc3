import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditPack } from '../../src/audit/pack.js';
import { packOf, stagePack } from '../helpers/audit-pack.js';
import { COMMITS_SHOWN, MIN_MAX_CHARS, renderAuditPack } from '../../src/audit/render.js';
import { TREND_POINTS_SHOWN, trendRow } from '../../src/audit/trends.js';
import { loadTemplate } from '../../src/render/templates.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

const STATES = ['blocked', 'failed', 'validating', 'in-progress', 'not-started', 'done'] as const;

describe('renderAuditPack size limit', () => {
  it('never exceeds max-chars, whatever the stages hold, and says what it left out', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 200 }), fc.constantFrom(...STATES), fc.string({ maxLength: 3000 })), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: MIN_MAX_CHARS, max: 40_000 }),
        (entries, maxChars) => {
          const pack = packOf(entries.map(([title, state, text], index) => stagePack(`P1-S${String(index).padStart(2, '0')}`, title, state, text)));
          const markdown = renderAuditPack(pack, { root: PROJECT_ROOT, templatesDir: 'templates', maxChars });
          expect(markdown.length).toBeLessThanOrEqual(maxChars);
          const kept = pack.stages.filter((stage) => markdown.includes(`<summary><b>${stage.id}</b>`)).length;
          if (kept < pack.stages.length) expect(markdown).toMatch(/are left out to keep this pack under|cut here at the size limit/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the most important stages: blocked and failed before in-progress and done', () => {
    const big = 'long text. '.repeat(300);
    const pack = packOf([stagePack('P1-S00', 'Blocked one', 'blocked', big), stagePack('P1-S01', 'Failed one', 'failed', big), stagePack('P1-S02', 'Done one', 'done', big)]);
    const markdown = renderAuditPack(pack, { root: PROJECT_ROOT, templatesDir: 'templates', maxChars: 16_000 });
    expect(markdown).toContain('<summary><b>P1-S00</b> Blocked one (blocked)</summary>');
    expect(markdown).toContain('<summary><b>P1-S01</b> Failed one (failed)</summary>');
    expect(markdown).not.toContain('<summary><b>P1-S02</b>');
    // The summary table still has every stage.
    expect(markdown).toContain('| P1-S02 Done one | done | no runs | 1 commit, 1 file | run the gates: `stagedocs gate run P1-S02` |');
    expect(markdown).toContain('The details of 1 of 3 stages (1 done) are left out');
  });
});

/**
 * The size limit the slow, obvious way, as a reference: the rows of the summary table and the stage
 * sections tried from all of them down, one at a time, no shortcut. The table's rows give way before
 * the overview, and both before the most important stage's details.
 */
function naiveRender(pack: AuditPack, maxChars: number): string {
  const template = (name: string) => loadTemplate(PROJECT_ROOT, 'templates', name);
  const [main, overviewTemplate, stageTemplate] = [template('audit-pack.md.hbs'), template('audit-pack-overview.md.hbs'), template('audit-pack-stage.md.hbs')];
  const tidy = (text: string) => `${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
  const overview =
    pack.overview.length === 0
      ? ''
      : tidy(
          overviewTemplate({
            phases: pack.overview.map((phase, index) => ({ ...phase, index, previous: index === 0 ? null : index - 1, nodes: phase.nodes.map((node) => ({ ...node, class: node.state.replace(/-/g, '') })) })),
          }),
        );
  // At most 40 stages here, so the table has one row per stage (no shared rows).
  const rows = pack.stages.map((stage) => ({ label: `${stage.id} ${stage.title}`, state: stage.state, last_gate: 'no runs', changed: '1 commit, 1 file', next: stage.outcome.next_action_parts }));
  const renderWith = (keptRows: number, shownOverview: string, kept: number) => {
    const folded = pack.stages.slice(kept);
    return tidy(
      main({
        ...pack,
        summary_rows: rows.slice(0, keptRows),
        summary_omitted: keptRows === rows.length ? '' : `${rows.length - keptRows} less important stages are not in this table (${[...new Set(rows.slice(keptRows).map((row) => row.state))].map((state) => `${rows.slice(keptRows).filter((row) => row.state === state).length} ${state}`).join(', ')}); run \`stagedocs audit-pack --format json\` for everything.`,
        blocker_groups: [],
        overview: shownOverview,
        overview_omitted: shownOverview === '' && pack.overview.length > 0 ? 'The phase overview is left out: it does not fit the size limit.' : '',
        sections: pack.stages.slice(0, kept).map((stage) => ({
          id: stage.id,
          title: stage.title,
          state: stage.state,
          body: tidy(
            stageTemplate({
              ...stage,
              changes: { ...stage.changes, commits: stage.changes.commits.slice(0, COMMITS_SHOWN) },
              commits_omitted: Math.max(0, stage.changes.commits.length - COMMITS_SHOWN),
              trend_rows: stage.evidence.trends.map(trendRow),
              trend_points_shown: TREND_POINTS_SHOWN,
              outcome_lead: stage.outcome.next_action_parts,
              outcome_items: [],
            }),
          ).trimEnd(),
        })),
        folded_note:
          folded.length === 0
            ? []
            : [
                {
                  text: `The details of ${folded.length} of ${pack.stages.length} stages (${[...new Set(folded.map((stage) => stage.state))].map((state) => `${folded.filter((stage) => stage.state === state).length} ${state}`).join(', ')}) are left out to keep this pack under ${maxChars} characters${keptRows === rows.length ? '; the summary table above lists them' : ''}. Run `,
                },
                { code: 'stagedocs audit-pack <stage-id>' },
                { text: ' for any of them.' },
              ],
      }),
    );
  };
  const fits = (text: string) => text.length <= maxChars;
  for (const wanted of pack.stages.length > 0 ? [1, 0] : [0]) {
    for (const shownOverview of overview !== '' && overview.length - 1 <= maxChars ? [overview, ''] : ['']) {
      for (let keptRows = rows.length; keptRows >= 0; keptRows--) {
        if (!fits(renderWith(keptRows, shownOverview, wanted))) continue;
        for (let kept = pack.stages.length; kept >= wanted; kept--) {
          const text = renderWith(keptRows, shownOverview, kept);
          if (fits(text)) return text;
        }
      }
    }
  }
  const text = renderWith(rows.length, '', 0);
  const note = '\n\n_The pack is cut here at the size limit; run `stagedocs audit-pack --format json` for everything._\n';
  return `${text.slice(0, Math.max(0, text.lastIndexOf('\n', maxChars - note.length)))}${note}`;
}

describe('renderAuditPack against the obvious render-every-prefix reference', () => {
  it('gives the same bytes: whole packs, kept prefixes, a left-out overview and a cut list alike', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(
        // Long titles make a list of left-out stages that is itself over the limit (and cut).
        fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 100, maxLength: 300 })), fc.constantFrom(...STATES), fc.string({ maxLength: 4000 })), {
          minLength: 0,
          maxLength: 40,
        }),
        fc.integer({ min: MIN_MAX_CHARS, max: 30_000 }),
        fc.integer({ min: 1, max: 12 }),
        (entries, maxChars, phaseSize) => {
          const pack = packOf(
            entries.map(([title, state, text], index) => stagePack(`P1-S${String(index).padStart(2, '0')}`, title, state, text)),
            phaseSize,
          );
          const markdown = renderAuditPack(pack, { root: PROJECT_ROOT, templatesDir: 'templates', maxChars });
          expect(markdown).toBe(naiveRender(pack, maxChars));
          outcomes.add(markdown.includes('cut here at the size limit') ? 'cut' : markdown.includes('less important stages are not in this table') ? 'rows left out' : markdown.includes('are left out to keep') ? (markdown.includes('overview is left out') ? 'prefix without overview' : 'prefix') : 'whole');
        },
      ),
      // Shrinking re-renders every prefix of large packs many times over; the first failure says enough.
      { numRuns: 150, endOnFailure: true },
    );
    // Each way a pack can end was compared at least once.
    // (A cut needs a header longer than the limit, which these packs never have.)
    expect([...outcomes].sort()).toEqual(['prefix', 'prefix without overview', 'rows left out', 'whole']);
  });

  it('reads the details of no stage beyond those shown in full, however many stages the table summarises', () => {
    const reads: string[] = [];
    const stages = Array.from({ length: 300 }, (_, index) => {
      const full = stagePack(`P1-S${String(index).padStart(3, '0')}`, `A title long enough to fill the list ${'x'.repeat(60)}`, 'not-started', 'text '.repeat(400));
      for (const key of ['changes', 'decisions', 'sections', 'evidence', 'traceability', 'position', 'phase_title'] as const) {
        const value = full[key];
        Object.defineProperty(full, key, { enumerable: true, get: () => (reads.push(`${full.id}.${key}`), value) });
      }
      return full;
    });
    const markdown = renderAuditPack(packOf(stages), { root: PROJECT_ROOT, templatesDir: 'templates', maxChars: 20_000 });
    expect(markdown.length).toBeLessThanOrEqual(20_000);
    // 300 alike stages are one row of the summary table.
    expect(markdown).toContain('| P1-S000, P1-S001, P1-S002, P1-S003, P1-S004, ... P1-S299 (300 stages) | not-started |');
    const shown = stages.filter((stage) => markdown.includes(`<summary><b>${stage.id}</b>`)).map((stage) => stage.id);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(stages.slice(0, shown.length).map((stage) => stage.id));
    // Only the first stages, of which those shown are a prefix, were ever built in full.
    const read = new Set(reads.map((entry) => entry.split('.')[0]));
    for (const id of shown) expect(read.has(id)).toBe(true);
    expect([...read]).toEqual(stages.slice(0, read.size).map((stage) => stage.id));
    expect(read.size).toBeLessThan(20);
  });
});
