import { AUDIT_PACK_FORMAT, type AuditPack, type StagePack } from '../../src/audit/pack.js';

/** Builders of audit-pack data for tests of the renderer, without a repository. */

export function stagePack(id: string, title: string, state: StagePack['state'], text: string): StagePack {
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
    evidence: { runs: [], earlier: null, freeze: 'no freeze file (not required)', trends: [] },
    traceability: { sign_off_tag: null, evidence_commits: [], registry_rows: [] },
    outcome: {
      next_action: `run the gates: \`stagedocs gate run ${id}\``,
      blockers: [],
      sign_off_allowed: false,
      passed: false,
      sign_off_needs: [],
      next_action_parts: [{ text: 'run the gates: ' }, { code: `stagedocs gate run ${id}` }],
      next_action_kind: 'run-gates',
      blocker_details: [],
    },
    approvals: null,
    last_run: null,
    change_count: { commits: 1, files: 1 },
  };
}

/** The pack of `stages`, its overview in phases of `phaseSize` stages. */
export function packOf(stages: StagePack[], phaseSize = Infinity): AuditPack {
  const phases = stages.length === 0 ? [] : Array.from({ length: Math.ceil(stages.length / phaseSize) }, (_, index) => stages.slice(index * phaseSize, (index + 1) * phaseSize));
  return {
    format: AUDIT_PACK_FORMAT,
    generated_at: '2026-11-21T10:00:00Z',
    generated_from: 'head-commit',
    tool_version: '0.1.0',
    range: { base: 'main', base_sha: 'b'.repeat(40), head: 'HEAD', head_sha: 'c'.repeat(40), commit_count: 1, description: 'main..HEAD' },
    selection: 'changed',
    outcome: { summary: 'x', counts: [], blockers: [], blocker_groups: [] },
    overview: (phases.length === 0 ? [[]] : phases).map((members, phase) => ({
      id: `P${phase + 1}`,
      title: 'Phase',
      readiness: null,
      entry_gates: null,
      exit_gates: null,
      nodes: members.map((stage, index) => ({ node: `s${phase}-${index}`, id: stage.id, title: stage.title, state: stage.state, in_pack: true, count: 1, last_id: null })),
      edges: [],
    })),
    stages,
    unreadable: [],
  };
}

