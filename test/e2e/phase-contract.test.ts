import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_SECTIONS, decision, phase, stage } from '../helpers/documents.js';
import { readReport, registryText, runFolders } from '../helpers/gates.js';
import { tryGit } from '../helpers/git-commit.js';
import { PROJECT_ROOT, git, makeRepo, runCli, writeTree } from '../helpers/repo.js';

/** The phase-contract example of docs/phases.md, exactly as the page shows it. */
function docsExample(): string {
  const page = readFileSync(path.join(PROJECT_ROOT, 'docs/phases.md'), 'utf8');
  const match = /<!-- phase-contract-example -->\n```markdown\n([\s\S]*?)\n```\n/.exec(page);
  if (!match) throw new Error('docs/phases.md lost its phase-contract example');
  return `${match[1]}\n`;
}

const GAPS = '\n## Gaps\n\n- Retries are left to the next phase.\n';

/** P1 (one stage, gate `true`) and P2, whose contract is `contract`, with stage P2-S00 in `status`. */
function contractRepo(contract: string, options: { status?: string; stageExtra?: string; gaps?: string } = {}): string {
  return makeRepo({
    '.gitignore': '.stagedocs/\n',
    'stages/p1/phase.md': phase({ id: 'P1', extra: 'exit:\n  - Every stage signed off.\n' }),
    'stages/p1/00-a.md': stage({ id: 'P1-S00', phase: 'P1', status: 'in-progress', body: STAGE_SECTIONS }),
    'stages/p2/phase.md': `${phase({ id: 'P2', extra: contract })}${options.gaps ?? ''}`,
    'stages/p2/00-b.md': stage({ id: 'P2-S00', phase: 'P2', status: options.status ?? 'in-progress', extra: options.stageExtra ?? '', body: STAGE_SECTIONS }),
  });
}

const at = (minute: number) => ({ env: { STAGEDOCS_NOW: `2026-11-21T10:${String(minute).padStart(2, '0')}:00Z` } });

function commitAll(repo: string, message: string): void {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
}

/** Sets `status:` of a document and commits it. */
function setStatus(repo: string, file: string, status: string): void {
  const target = path.join(repo, file);
  writeTree(repo, { [file]: readFileSync(target, 'utf8').replace(/^status: .*$/m, `status: ${status}`) });
  commitAll(repo, `${file}: ${status}`);
}

/** Runs a stage's gates, commits the evidence, marks it done and signs it off. */
function passAndSignOff(repo: string, id: string, file: string, minute: number): void {
  const run = runCli(repo, ['gate', 'run', id], at(minute));
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  commitAll(repo, `evidence of ${id}`);
  setStatus(repo, file, 'done');
  const signed = runCli(repo, ['sign-off', id]);
  expect(signed.stdout).toContain(`Signed off stage ${id}`);
}

describe('the phase contract', () => {
  it('validates the complete example of docs/phases.md', () => {
    const repo = makeRepo({
      'stages/p4/phase.md': phase({ id: 'P4' }),
      'stages/p5/phase.md': docsExample(),
      'stages/p6/phase.md': phase({ id: 'P6' }),
      'stages/p7/phase.md': phase({ id: 'P7' }),
    });
    const result = runCli(repo, ['validate']);
    expect(result.stdout).toContain('no problems');
    expect(result.code).toBe(0);
    const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
    const p5 = status.phases.find((candidate: { id: string }) => candidate.id === 'P5');
    expect(p5).toMatchObject({ readiness: { maturity: 'design-only', production_gate: 'disallowed', risk: { execution: 'very-high', data_loss: 'medium' } }, for_production: false });
    expect(p5.entry_unmet.map((problem: { reason: string }) => problem.reason)).toEqual([
      'upstream phase `P4` is not signed off',
      'entry file `.state/routing_decisions.json` does not exist',
      'entry file `.state/task_queue.json` does not exist',
      'entry check `routing-complete` (Tasks must be routed with adapter assignments) is not met: `.state/ROUTING_COMPLETE` does not exist',
      'no passing run of the entry gates of phase `P5` counts: it has no finished gate run',
    ]);
    const text = runCli(repo, ['status']).stdout;
    expect(text).toContain('readiness: design-only, production disallowed (not for production); risk: data_loss medium, execution very-high');
  });

  it('refuses a stage whose upstream phase is not signed off: validate at its status line, gate run records nothing', () => {
    const repo = contractRepo('upstream: [P1]\nentry: {}\n');
    const validate = runCli(repo, ['validate']);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain(
      'stages/p2/00-b.md:7:9  error    Stage `P2-S00` is `in-progress` while the entry of phase `P2` is unmet: upstream phase `P1` is not done (stages/p2/phase.md:7:12), expected the entry met before the stage starts  phase-entry',
    );
    const run = runCli(repo, ['gate', 'run', 'P2-S00']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Stage `P2-S00` may not run its gates: the entry of phase `P2` is unmet: upstream phase `P1` is not signed off (stages/p2/phase.md:7:12)');
    expect(runFolders(repo)).toEqual([]);
  });

  it('holds a stage until the entry files exist and the entry checks pass, then signs off the phase on its exit', () => {
    const contract = [
      'upstream: [P1]',
      'entry:',
      '  files: [input/routing.json]',
      '  checks:',
      '    - id: ready',
      '      description: The environment must be initialized',
      '      run: test -f ready.flag',
      'exit:',
      '  criteria: [Every task has a result]',
      '  produces: ["out/*.txt"]',
      '  gates:',
      '    - id: results',
      '      run: test -s out/result.txt',
      'readiness: { maturity: prototype, production_gate: disallowed }',
      '',
    ].join('\n');
    const repo = contractRepo(contract, { status: 'not-started', gaps: '\n## Gaps\n' });
    passAndSignOff(repo, 'P1-S00', 'stages/p1/00-a.md', 1);
    setStatus(repo, 'stages/p1/phase.md', 'done');
    expect(runCli(repo, ['sign-off', 'P1']).stdout).toContain('Signed off phase P1');

    // Entry file missing: validate (the stage started) and gate run both say so.
    setStatus(repo, 'stages/p2/00-b.md', 'in-progress');
    const validate = runCli(repo, ['validate']);
    expect(validate.stdout).toContain('stages/p2/00-b.md:7:9  error    Stage `P2-S00` is `in-progress` while the entry of phase `P2` is unmet: entry file `input/routing.json` does not exist (stages/p2/phase.md:9:11), expected the entry met before the stage starts  phase-entry');
    const missing = runCli(repo, ['gate', 'run', 'P2-S00'], at(2));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('entry file `input/routing.json` does not exist (stages/p2/phase.md:9:11)');
    const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
    expect(status.phases[1].stages[0]).toMatchObject({ id: 'P2-S00', state: 'blocked' });
    expect(status.phases[1].stages[0].next_action).toMatch(/^blocked: entry of phase P2 is unmet: entry file `input\/routing.json` does not exist;/);

    // The entry check fails: refused, nothing recorded.
    writeTree(repo, { 'input/routing.json': '{}\n' });
    commitAll(repo, 'routing');
    const check = runCli(repo, ['gate', 'run', 'P2-S00'], at(3));
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('entry check `ready` (The environment must be initialized) failed: `test -f ready.flag` ended with exit 1');
    expect(runFolders(repo).filter((run) => run.startsWith('P2'))).toEqual([]);

    writeTree(repo, { 'ready.flag': '' });
    commitAll(repo, 'ready');
    passAndSignOff(repo, 'P2-S00', 'stages/p2/00-b.md', 4);
    setStatus(repo, 'stages/p2/phase.md', 'done');

    // Exit: the produced file, a passing run of the exit gates and the Gaps section are missing.
    const refused = runCli(repo, ['sign-off', 'P2']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Phase P2 may not close:');
    expect(refused.stdout).toContain('exit file `out/*.txt` of phase P2 matches nothing; produce it and commit it (`exit.produces` in stages/p2/phase.md)');
    expect(refused.stdout).toContain('no passing gate run of P2 counts');
    expect(refused.stdout).toContain('the `## Gaps` section of stages/p2/phase.md (line 30) is empty');
    expect(git(repo, 'tag', '-l', 'stagedocs/P2/*').trim()).toBe('');

    writeTree(repo, { 'out/result.txt': 'done\n', 'stages/p2/phase.md': `${readFileSync(path.join(repo, 'stages/p2/phase.md'), 'utf8')}- Retries are left to P3.\n` });
    commitAll(repo, 'results and gaps');
    const exitRun = runCli(repo, ['gate', 'run', 'P2'], at(5));
    expect(exitRun.stderr).toBe('');
    expect(exitRun.code).toBe(0);
    const [runId] = runFolders(repo).filter((run) => run.startsWith('P2_'));
    expect(runId).toBe('P2_20261121T100500Z');
    expect(readReport(repo, runId!)).toMatchObject({ stage_id: 'P2', phase_id: 'P2', overall_pass: true });
    expect(registryText(repo)).toMatch(/\nP2_20261121T100500Z,P2,Phase P2,P2,/);
    commitAll(repo, 'exit evidence');

    const signed = runCli(repo, ['sign-off', 'P2']);
    expect(signed.stdout).toContain('Signed off phase P2');
    expect(signed.stdout).toContain('Not for production');
    expect(signed.code).toBe(0);
    const message = git(repo, 'tag', '-l', '--format=%(contents)', 'stagedocs/P2/signed-off');
    expect(message).toContain('stagedocs sign-off of phase P2 (not for production)');
    expect(message).toContain(`exit_run_id: ${runId}`);
    expect(message).toContain('production: not for production (readiness.production_gate: disallowed)');
  });

  it('records a failing exit gate run of a phase and refuses its sign-off', () => {
    const repo = contractRepo('exit:\n  gates:\n    - id: results\n      run: "false"\n', { status: 'not-started', gaps: GAPS });
    const run = runCli(repo, ['gate', 'run', 'P2'], at(1));
    expect(run.code).toBe(1);
    const [runId] = runFolders(repo);
    expect(readReport(repo, runId!)).toMatchObject({ stage_id: 'P2', overall_pass: false, blocking_failures: 1 });
    commitAll(repo, 'failed exit run');
    const status = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
    expect(status.phases[1]).toMatchObject({ id: 'P2', exit_run: { run_id: runId, result: 'fail' }, sign_off_allowed: false });
    const signOff = runCli(repo, ['sign-off', 'P2']);
    expect(signOff.code).toBe(1);
    expect(signOff.stdout).toContain('no passing gate run of P2 counts');
  });

  it('refuses the sign-off of a production stage while its phase disallows production', () => {
    const repo = contractRepo('readiness: { production_gate: disallowed }\n', { stageExtra: 'production: true\n' });
    const run = runCli(repo, ['gate', 'run', 'P2-S00'], at(1));
    expect(run.code).toBe(0);
    commitAll(repo, 'evidence');
    setStatus(repo, 'stages/p2/00-b.md', 'done');
    const signOff = runCli(repo, ['sign-off', 'P2-S00']);
    expect(signOff.code).toBe(1);
    expect(signOff.stdout).toContain(
      'P2-S00 declares `production: true` while its phase P2 disallows production (`readiness.production_gate: disallowed` in stages/p2/phase.md); allow production in the phase',
    );
    const pack = runCli(repo, ['audit-pack', 'P2-S00']);
    expect(pack.code).toBe(0);
    expect(pack.stdout).toContain('P2 readiness: production disallowed (not for production)');
  });

  it('keeps a phase\'s protected paths after its stage is done: the hook refuses a commit without gate evidence of the phase', () => {
    const repo = contractRepo('protected: [".state/**"]\n', { status: 'not-started' });
    writeTree(repo, { '.state/results.json': '{"ok": true}\n' });
    commitAll(repo, 'state');
    expect(runCli(repo, ['hook', 'install']).code).toBe(0);
    passAndSignOff(repo, 'P2-S00', 'stages/p2/00-b.md', 1);

    writeTree(repo, { '.state/results.json': '{"ok": false}\n' });
    git(repo, 'add', '.state/results.json');
    const commit = tryGit(repo, ['commit', '-q', '-m', 'edit the state by hand']);
    expect(commit.code).not.toBe(0);
    expect(`${commit.stdout}${commit.stderr}`).toContain(
      '.state/results.json:1:1  error    `.state/results.json` is protected by phase P2 (stages/p2/phase.md:7:13, pattern `.state/**`, status in-progress); it may change only together with the evidence of a gate run of the phase or one of its stages  protected-path',
    );
  });

  it('guards a phase\'s protected paths and must_not_modify after the phase is done', () => {
    const repo = contractRepo('protected: [".state/**"]\nagents:\n  must_not_modify: ["schema/**"]\n', { status: 'not-started' });
    setStatus(repo, 'stages/p2/phase.md', 'done');
    const state = runCli(repo, ['guard', '--path', '.state/results.json']);
    expect(state.code).toBe(1);
    expect(state.stderr).toContain('`.state/results.json` is protected by phase P2 (stages/p2/phase.md, status done), pattern `.state/**`; it may not change during or after the phase');
    const schema = runCli(repo, ['guard', '--path', 'schema/users.sql']);
    expect(schema.code).toBe(1);
    expect(schema.stderr).toContain('`schema/users.sql` is in `agents.must_not_modify` of phase P2 (stages/p2/phase.md, status done), pattern `schema/**`');
    expect(runCli(repo, ['guard', '--path', 'src/app.ts']).code).toBe(0);
    rmSync(path.join(repo, '.stagedocs'), { recursive: true, force: true });
    expect(existsSync(path.join(repo, 'gate_results'))).toBe(false);
    // At commit both lists hold too, for everyone: the hook cannot tell an agent's commit from a person's.
    writeTree(repo, { '.state/results.json': '{}\n', 'schema/users.sql': 'create table users();\n' });
    git(repo, 'add', '-A');
    const staged = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(staged.code).toBe(1);
    expect(JSON.parse(staged.stdout).diagnostics.map((d: Record<string, unknown>) => [d.file, d.line, d.column, d.ruleId, d.message])).toEqual([
      ['.state/results.json', 1, 1, 'protected-path', '`.state/results.json` is protected by phase P2 (stages/p2/phase.md:7:13, pattern `.state/**`, status done); it may change only together with the evidence of a gate run of the phase or one of its stages'],
      ['schema/users.sql', 1, 1, 'protected-path', '`schema/users.sql` is in `agents.must_not_modify` of phase P2 (stages/p2/phase.md:9:21, pattern `schema/**`, status done); it may change only together with the evidence of a gate run of the phase or one of its stages'],
    ]);
  });

  it('holds a stage on an entry check stated as a file: validate at its status line, gate run and sign-off refused', () => {
    const contract = 'entry:\n  checks:\n    - id: routing-complete\n      description: Tasks must be routed\n      file: .state/ROUTING_COMPLETE\n';
    const repo = contractRepo(contract);
    const unmet = 'entry check `routing-complete` (Tasks must be routed) is not met: `.state/ROUTING_COMPLETE` does not exist (stages/p2/phase.md:11:13)';
    const validate = runCli(repo, ['validate', '--format', 'json']);
    expect(validate.code).toBe(1);
    expect(JSON.parse(validate.stdout).diagnostics).toEqual([
      expect.objectContaining({ ruleId: 'phase-entry', file: 'stages/p2/00-b.md', line: 7, column: 9, message: `Stage \`P2-S00\` is \`in-progress\` while the entry of phase \`P2\` is unmet: ${unmet}, expected the entry met before the stage starts` }),
    ]);
    const refused = runCli(repo, ['gate', 'run', 'P2-S00'], at(1));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(unmet);
    expect(runFolders(repo)).toEqual([]);

    // Met, the stage runs and is done; the blocker comes back before the sign-off, which is refused.
    writeTree(repo, { '.state/ROUTING_COMPLETE': '' });
    commitAll(repo, 'routing complete');
    expect(runCli(repo, ['gate', 'run', 'P2-S00'], at(2)).code).toBe(0);
    commitAll(repo, 'evidence');
    setStatus(repo, 'stages/p2/00-b.md', 'done');
    git(repo, 'rm', '-q', '.state/ROUTING_COMPLETE');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'routing undone');
    const signOff = runCli(repo, ['sign-off', 'P2-S00']);
    expect(signOff.code).toBe(1);
    expect(signOff.stdout + signOff.stderr).toContain(unmet.replace(' (stages/p2/phase.md:11:13)', ''));
    expect(git(repo, 'tag', '-l').trim()).toBe('');
  });

  it('runs the entry gates of a phase with evidence and a registry row; until a run of them passes, its stages are refused', () => {
    const repo = contractRepo('entry:\n  gates:\n    - id: routed\n      run: test -f routed.flag\n', { status: 'in-progress' });
    const validate = runCli(repo, ['validate', '--format', 'json']);
    expect(validate.code).toBe(1);
    expect(JSON.parse(validate.stdout).diagnostics).toEqual([
      expect.objectContaining({
        ruleId: 'phase-entry',
        file: 'stages/p2/00-b.md',
        line: 7,
        column: 9,
        message: 'Stage `P2-S00` is `in-progress` while the entry of phase `P2` is unmet: no passing run of the entry gates of phase `P2` counts: it has no finished gate run (stages/p2/phase.md:9:5), expected the entry met before the stage starts',
      }),
    ]);
    const refused = runCli(repo, ['gate', 'run', 'P2-S00'], at(1));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the entry of phase `P2` is unmet: no passing run of the entry gates of phase `P2` counts: it has no finished gate run (stages/p2/phase.md:9:5): run `stagedocs gate run P2 --entry`');
    expect(runFolders(repo)).toEqual([]);
    expect(runCli(repo, ['gate', 'run', 'P2-S00', '--entry']).code).toBe(2);
    expect(runCli(repo, ['gate', 'run', 'P1', '--entry']).stderr).toContain('Phase `P1` (stages/p1/phase.md) declares no entry gates');

    // A failing entry run is recorded; its rerun needs a decision note naming the entry gates' subject.
    const failed = runCli(repo, ['gate', 'run', 'P2', '--entry'], at(2));
    expect(failed.code).toBe(1);
    expect(readReport(repo, 'P2-entry_20261121T100200Z')).toMatchObject({ stage_id: 'P2-entry', phase_id: 'P2', overall_pass: false });
    writeTree(repo, {
      'routed.flag': '',
      'decisions/D-2026-11-21-001.md': decision({ tag: 'D-2026-11-21-001', extra: 'stages: [P2-entry]\nrerun_of: P2-entry_20261121T100200Z\n', body: '## Context\nx\n\n## Decision\ny\n\n## Consequences\nz\n\n## Root cause\nThe routing had not run.\n' }),
    });
    commitAll(repo, 'routing done');
    expect(runCli(repo, ['gate', 'run', 'P2', '--entry'], at(3)).stderr).toContain('a rerun needs --decision <tag>');
    const entryRun = runCli(repo, ['gate', 'run', 'P2', '--entry', '--decision', 'D-2026-11-21-001'], at(4));
    expect(entryRun.stderr).toBe('');
    expect(entryRun.code).toBe(0);
    expect(runFolders(repo)).toEqual(['P2-entry_20261121T100200Z', 'P2-entry_20261121T100400Z']);
    expect(readReport(repo, 'P2-entry_20261121T100400Z')).toMatchObject({ stage_id: 'P2-entry', phase_id: 'P2', overall_pass: true, decision_tag: 'D-2026-11-21-001' });
    expect(registryText(repo)).toMatch(/\nP2-entry_20261121T100400Z,P2-entry,Phase P2 \(entry\),P2,/);
    // The run counts (every entry gate, a clean tree at a commit of this branch, its registry row): the stage may run now.
    commitAll(repo, 'entry evidence');
    expect(runCli(repo, ['validate']).code).toBe(0);
    expect(runCli(repo, ['registry', '--check']).code).toBe(0);
    const run = runCli(repo, ['gate', 'run', 'P2-S00'], at(5));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The exit gates are judged apart: the phase has none, and its entry run is not an exit run.
    expect(runCli(repo, ['gate', 'run', 'P2']).stderr).toContain('declares no exit gates');
  });

  it('lets `done` clear an upstream phase for the commands when phases.upstream_requires is `done`', () => {
    const repo = contractRepo('upstream: [P1]\nentry: {}\n', { status: 'not-started' });
    setStatus(repo, 'stages/p1/phase.md', 'done');
    const refused = runCli(repo, ['gate', 'run', 'P2-S00'], at(1));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('upstream phase `P1` is not signed off (stages/p2/phase.md:7:12)');

    writeTree(repo, { 'stagedocs.config.yaml': 'phases:\n  upstream_requires: done\n' });
    commitAll(repo, 'done clears upstream');
    const run = runCli(repo, ['gate', 'run', 'P2-S00'], at(2));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    setStatus(repo, 'stages/p1/phase.md', 'in-progress');
    const open = JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout);
    expect(open.phases[1].entry_unmet).toEqual([expect.objectContaining({ reason: 'upstream phase `P1` is not done', line: 7, column: 12 })]);

    writeTree(repo, { 'stagedocs.config.yaml': 'phases:\n  upstream_requires: tagged\n' });
    const bad = runCli(repo, ['validate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('stagedocs.config.yaml:2:22');
  });
});
