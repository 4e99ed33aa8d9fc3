import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_PACK_FORMAT, type AuditPack, type StagePack } from '../../src/audit/pack.js';
import { COMMITS_SHOWN, MIN_MAX_CHARS, renderAuditPack } from '../../src/audit/render.js';
import { loadTemplate } from '../../src/render/templates.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

function stagePack(id: string, title: string, state: StagePack['state'], text: string): StagePack {
  return {
    id,
    title,
    file: `stages/p/${id}.md`,
    phase: 'P1',
    phase_title: 'Phase',
    status: state === 'failed' ? 'in-progress' : state,
    state,
    owner: 'a@example.com',
    position: 'stage 1 of 1 in P1',
    changes: { commits: [{ sha: 'a'.repeat(40), short_sha: 'aaaaaaa', subject: title, date: '2026-11-21T10:00:00+00:00' }], files: [{ path: `stages/p/${id}.md`, change: 'modified' }] },
    decisions: [],
    sections: { impact: text, rollback: text, open_questions: null },
    evidence: { runs: [], earlier: null, freeze: 'no freeze file (not required)' },
    traceability: { sign_off_tag: null, evidence_commits: [], registry_rows: [] },
    outcome: { next_action: `run the gates: \`stagedocs gate run ${id}\``, blockers: [], sign_off_allowed: false },
  };
}

/** The pack of `stages`, its overview in phases of `phaseSize` stages. */
function packOf(stages: StagePack[], phaseSize = Infinity): AuditPack {
  const phases = stages.length === 0 ? [] : Array.from({ length: Math.ceil(stages.length / phaseSize) }, (_, index) => stages.slice(index * phaseSize, (index + 1) * phaseSize));
  return {
    format: AUDIT_PACK_FORMAT,
    generated_at: '2026-11-21T10:00:00.000Z',
    tool_version: '0.1.0',
    range: { base: 'main', base_sha: 'b'.repeat(40), head: 'HEAD', head_sha: 'c'.repeat(40), commit_count: 1, description: 'main..HEAD' },
    selection: 'changed',
    outcome: { summary: 'x', counts: [], blockers: [] },
    overview: (phases.length === 0 ? [[]] : phases).map((members, phase) => ({
      id: `P${phase + 1}`,
      title: 'Phase',
      nodes: members.map((stage, index) => ({ node: `s${phase}-${index}`, id: stage.id, title: stage.title, state: stage.state, in_pack: true })),
      edges: [],
    })),
    stages,
    unreadable: [],
  };
}

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
          const kept = pack.stages.filter((stage) => new RegExp(`^## ${stage.id}( |$)`, 'm').test(markdown)).length;
          if (kept < pack.stages.length) expect(markdown).toMatch(/are left out to keep this pack under|cut at the size limit/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the most important stages: blocked and failed before in-progress and done', () => {
    const big = 'long text. '.repeat(300);
    const pack = packOf([stagePack('P1-S00', 'Blocked one', 'blocked', big), stagePack('P1-S01', 'Failed one', 'failed', big), stagePack('P1-S02', 'Done one', 'done', big)]);
    const markdown = renderAuditPack(pack, { root: PROJECT_ROOT, templatesDir: 'templates', maxChars: 16_000 });
    expect(markdown).toContain('## P1-S00 Blocked one');
    expect(markdown).toContain('## P1-S01 Failed one');
    expect(markdown).not.toContain('## P1-S02');
    expect(markdown).toContain('- **P1-S02** Done one: done, run the gates');
    expect(markdown).toContain('1 of 3 stages are left out');
  });
});

/**
 * The size limit the slow, obvious way, as a reference: every prefix rendered whole, longest first,
 * no shortcut. The overview is left out when the pack with no stage in full does not fit with it.
 */
function naiveRender(pack: AuditPack, maxChars: number): string {
  const template = (name: string) => loadTemplate(PROJECT_ROOT, 'templates', name);
  const [main, overviewTemplate, stageTemplate] = [template('audit-pack.md.hbs'), template('audit-pack-overview.md.hbs'), template('audit-pack-stage.md.hbs')];
  const tidy = (text: string) => `${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
  const overview =
    pack.overview.length === 0
      ? ''
      : tidy(overviewTemplate({ phases: pack.overview.map((phase) => ({ ...phase, nodes: phase.nodes.map((node) => ({ ...node, class: node.state.replace(/-/g, '') })) })) }));
  const renderWith = (kept: number, shownOverview: string, omitted: string) => {
    const folded = pack.stages.slice(kept);
    return tidy(
      main({
        ...pack,
        overview: shownOverview,
        overview_omitted: omitted,
        sections: pack.stages.slice(0, kept).map((stage) =>
          tidy(stageTemplate({ ...stage, changes: { ...stage.changes, commits: stage.changes.commits.slice(0, COMMITS_SHOWN) }, commits_omitted: Math.max(0, stage.changes.commits.length - COMMITS_SHOWN) })),
        ),
        folded: folded.map((stage) => ({ id: stage.id, title: stage.title, state: stage.state, next_action: stage.outcome.next_action })),
        folded_note:
          folded.length === 0
            ? ''
            : `${folded.length} of ${pack.stages.length} stages are left out to keep this pack under ${maxChars} characters; they are listed here, least important last. Run \`stagedocs audit-pack <stage-id>\` for any of them.`,
      }),
    );
  };
  const whole = renderWith(pack.stages.length, overview, '');
  if (whole.length <= maxChars) return whole;
  const dropOverview = overview !== '' && renderWith(0, overview, '').length > maxChars;
  const [shownOverview, omitted] = dropOverview ? ['', 'The phase overview is left out: it does not fit the size limit.'] : [overview, ''];
  for (let kept = pack.stages.length; kept > 0; kept--) {
    const text = renderWith(kept, shownOverview, omitted);
    if (text.length <= maxChars) return text;
  }
  const text = renderWith(0, shownOverview, omitted);
  if (text.length <= maxChars) return text;
  const note = '\n\n_The list above is cut at the size limit; run `stagedocs audit-pack --format json` for everything._\n';
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
          maxLength: 80,
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
          outcomes.add(markdown.includes('cut at the size limit') ? 'cut' : markdown.includes('are left out to keep') ? (markdown.includes('overview is left out') ? 'prefix without overview' : 'prefix') : 'whole');
        },
      ),
      // Shrinking re-renders every prefix of large packs many times over; the first failure says enough.
      { numRuns: 150, endOnFailure: true },
    );
    // Each way a pack can end was compared at least once.
    expect([...outcomes].sort()).toEqual(['cut', 'prefix', 'prefix without overview', 'whole']);
  });

  it('reads no stage details when even the list of left-out stages is over the limit', () => {
    const reads: string[] = [];
    const stages = Array.from({ length: 300 }, (_, index) => {
      const full = stagePack(`P1-S${String(index).padStart(3, '0')}`, `A title long enough to fill the list ${'x'.repeat(60)}`, 'not-started', 'text');
      for (const key of ['changes', 'decisions', 'sections', 'evidence', 'traceability', 'position', 'phase_title'] as const) {
        const value = full[key];
        Object.defineProperty(full, key, { enumerable: true, get: () => (reads.push(`${full.id}.${key}`), value) });
      }
      return full;
    });
    const markdown = renderAuditPack(packOf(stages), { root: PROJECT_ROOT, templatesDir: 'templates', maxChars: 20_000 });
    expect(markdown.length).toBeLessThanOrEqual(20_000);
    expect(markdown).toContain('cut at the size limit');
    expect(reads).toEqual([]);
  });
});
