import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { registryCsv, runFolder, runReport } from '../helpers/evidence.js';
import { CLI, GIT_ENV, git, makeRepo, PROJECT_ROOT, runCli, writeTree } from '../helpers/repo.js';

/** util-linux `script` gives the CLI a real terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Committed stages, then runs that count (made at that commit, with registry rows), committed too. */
function repoWithRuns(): string {
  const dir = makeRepo({
    'stages/mvp/phase.md': phase(),
    'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'done' }),
    'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, status: 'in-progress' }),
    'stages/mvp/02-data.md': stage({ id: 'P1-S02', order: 2 }),
  });
  const commit = git(dir, 'rev-parse', 'HEAD').trim();
  const failing = runReport({ stage: 'P1-S01', at: '20261121T100000Z', pass: false, stageFile: 'stages/mvp/01-skeleton.md', commit });
  const passing = runReport({ stage: 'P1-S00', at: '20261120T090000Z', pass: true, commit });
  writeTree(dir, { ...runFolder(passing), ...runFolder(failing), 'gate_results/gate_registry.csv': registryCsv([passing, failing]) });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'gate runs');
  return dir;
}

describe('stagedocs status', () => {
  it('prints every phase and stage with its last gate result, date and next action', () => {
    const dir = repoWithRuns();
    git(dir, 'tag', '-a', 'stagedocs/P1-S00/signed-off', '-m', 'stagedocs sign-off of stage P1-S00', '-m', 'stage: P1-S00');
    const result = runCli(dir, ['status']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        'P1 Phase P1  1/3 done',
        '  P1-S00  done         pass 2026-11-20  Stage P1-S00',
        '          -> signed off: tag stagedocs/P1-S00/signed-off',
        '  P1-S01  failed       fail 2026-11-21  Stage P1-S01',
        '          -> fix the failing gate (tests), record the root cause in a decision note, then rerun: `stagedocs gate run P1-S01`',
        '  P1-S02  not-started  no runs          Stage P1-S02',
        '          -> waiting: P1-S01 has no passing run',
        '',
      ].join('\n'),
    );
  });

  it('shows a progress bar and colours only on a terminal (FORCE_COLOR), never under NO_COLOR', () => {
    const dir = repoWithRuns();
    const coloured = runCli(dir, ['status'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('███████░░░░░░░░░░░░░ 1/3 done');
    expect(coloured.stdout).toContain('\u001b[');
    expect(runCli(dir, ['status'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[|█/);
  });

  it.skipIf(!hasScript)('keeps the progress bar on a real terminal under NO_COLOR, without colours', () => {
    const dir = repoWithRuns();
    const command = `'${process.execPath}' '${CLI}' status`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { ...GIT_ENV, NO_COLOR: '1' }, encoding: 'utf8' });
    expect(result.stdout).toContain('███████░░░░░░░░░░░░░ 1/3 done');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('prints JSON and markdown with the same facts, stage text escaped in markdown', () => {
    const dir = repoWithRuns();
    const json = JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout);
    expect(json.phases[0]).toMatchObject({ id: 'P1', done: 1, total: 3 });
    expect(json.phases[0].stages[0].next_action).toBe('sign-off allowed: `stagedocs sign-off P1-S00`');
    expect(json.phases[0].stages[1]).toMatchObject({ id: 'P1-S01', state: 'failed', last_run: { run_id: 'P1-S01_20261121T100000Z', result: 'fail', finished_at: '2026-11-21T10:00:12.345Z' } });
    const markdown = runCli(dir, ['status', '--format', 'md']).stdout;
    expect(markdown).toContain('| P1-S01 | Stage P1-S01 | failed | fail (2026-11-21T10:00:12.345Z) |');
  });

  it('works on this repository\'s own stages (npm start runs it)', () => {
    const result = runCli(PROJECT_ROOT, ['status']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^P1 stagedocs 0\.1, the first release {2}\d+\/6 done$/m);
    expect(result.stdout).toContain('P1-S04');
  });

  it("shows a phase's entry and exit gate runs: the newest run, whether it counts and why not, in text, markdown and JSON", () => {
    const gates = '  gates:\n    - id: tests\n      run: "true"\n';
    const dir = makeRepo({
      'stages/mvp/phase.md': phase({ extra: `entry:\n${gates}exit:\n  criteria: [Every stage signed off]\n${gates}` }),
      'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0 }),
    });
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    const entry = runReport({ stage: 'P1-entry', title: 'Phase P1 (entry)', at: '20261121T100000Z', pass: true, stageFile: 'stages/mvp/phase.md', commit });
    const exit = runReport({ stage: 'P1', title: 'Phase P1', at: '20261121T110000Z', pass: true, stageFile: 'stages/mvp/phase.md', commit });
    // The exit run has no registry row: it does not count.
    writeTree(dir, { ...runFolder(entry), ...runFolder(exit), 'gate_results/gate_registry.csv': registryCsv([entry]) });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'gate runs of the phase');

    const json = JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout);
    expect(json.phases[0].entry_gates).toEqual({
      subject: 'P1-entry',
      command: 'stagedocs gate run P1 --entry',
      last_run: { run_id: 'P1-entry_20261121T100000Z', result: 'pass', finished_at: '2026-11-21T10:00:12.345Z', counts: true, not_counted_because: [] },
      passed: true,
      not_passed_reason: null,
    });
    expect(json.phases[0].exit_gates).toEqual({
      subject: 'P1',
      command: 'stagedocs gate run P1',
      last_run: { run_id: 'P1_20261121T110000Z', result: 'pass', finished_at: '2026-11-21T11:00:12.345Z', counts: false, not_counted_because: ['has no registry row matching its report.json hash'] },
      passed: false,
      not_passed_reason: 'none of its 1 finished run(s) counts (the newest, P1_20261121T110000Z, has no registry row matching its report.json hash)',
    });
    const text = runCli(dir, ['status']).stdout;
    expect(text).toContain(
      [
        '  entry gates (P1-entry): passed (newest run P1-entry_20261121T100000Z pass, counts)',
        '  exit gates (P1): not passed: none of its 1 finished run(s) counts (the newest, P1_20261121T110000Z, has no registry row matching its report.json hash); run `stagedocs gate run P1` (newest run P1_20261121T110000Z pass, does not count: it has no registry row matching its report.json hash)',
      ].join('\n'),
    );
    expect(runCli(dir, ['status', '--format', 'md']).stdout).toContain('- entry gates (P1-entry): passed (newest run P1-entry\\_20261121T100000Z pass, counts)\n');
  });
});
