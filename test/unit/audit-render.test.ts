import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_PACK_FORMAT, type AuditPack, type StagePack } from '../../src/audit/pack.js';
import { MIN_MAX_CHARS, renderAuditPack } from '../../src/audit/render.js';
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

function packOf(stages: StagePack[]): AuditPack {
  return {
    format: AUDIT_PACK_FORMAT,
    generated_at: '2026-11-21T10:00:00.000Z',
    tool_version: '0.1.0',
    range: { base: 'main', base_sha: 'b'.repeat(40), head: 'HEAD', head_sha: 'c'.repeat(40), commit_count: 1, description: 'main..HEAD' },
    selection: 'changed',
    outcome: { summary: 'x', counts: [], blockers: [] },
    overview: [{ id: 'P1', title: 'Phase', nodes: stages.map((stage, index) => ({ node: `s${index}`, id: stage.id, title: stage.title, state: stage.state, in_pack: true })), edges: [] }],
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
