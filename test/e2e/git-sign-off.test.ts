import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { phase, stage, validTree } from '../helpers/documents.js';
import { appendRegistry } from '../helpers/evidence.js';
import { CLI, GIT_ENV, git, makeRepo, runCli, writeTree } from '../helpers/repo.js';
import { shellQuote } from '../../src/util/shell-quote.js';
import { runFolder } from '../helpers/runs.js';

const TAG = 'stagedocs/P1-S00/signed-off';
const TIMES: Record<string, string> = { 'P1-S00': '20261121T090000Z', 'P1-S01': '20261121T100000Z' };

/**
 * The valid tree with the given stages `done` (sign-off refuses a stage that is not), and with `phase`
 * the phase done with an exit definition (what a phase sign-off needs).
 */
function doneTree(stages: Array<'P1-S00' | 'P1-S01'>, options: { phase?: boolean } = {}): Record<string, string> {
  const tree = validTree();
  if (stages.includes('P1-S00')) tree['stages/mvp/00-foundation.md'] = stage({ id: 'P1-S00', order: 0, status: 'done' });
  if (stages.includes('P1-S01')) tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, status: 'done' });
  if (options.phase) tree['stages/mvp/phase.md'] = phase({ status: 'done', extra: 'exit:\n  - Every stage signed off.\n' });
  return tree;
}

/**
 * Records a hand-written run of `stageId` made at the current HEAD, as `gate run` would: the stage's
 * gate (`tests`, `true`), a clean tree, a registry row; and commits the evidence.
 */
function addRun(repo: string, stageId: string, outcome: 'pass' | 'fail', commit = git(repo, 'rev-parse', 'HEAD').trim()) {
  const run = runFolder({ stageId, timestamp: TIMES[stageId]!, commit, gates: [{ id: 'tests', outcome }] });
  writeTree(repo, run.files);
  appendRegistry(repo, [run.report]);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', `evidence of ${stageId}`);
  return run;
}

describe('stagedocs sign-off', () => {
  it('tags a stage whose blocking gates passed, with the run id and report hash, and refuses a second sign-off', () => {
    const repo = makeRepo(doneTree(['P1-S00']));
    const run = addRun(repo, 'P1-S00', 'pass');
    const head = git(repo, 'rev-parse', 'HEAD').trim();

    const result = runCli(repo, ['sign-off', 'P1-S00']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Signed off stage P1-S00: annotated tag ${TAG} on ${head.slice(0, 12)} (run ${run.runId}, report sha256 ${run.reportSha256})`);
    expect(git(repo, 'cat-file', '-t', `refs/tags/${TAG}`).trim()).toBe('tag');
    expect(git(repo, 'rev-parse', `refs/tags/${TAG}^{commit}`).trim()).toBe(head);
    const message = git(repo, 'tag', '-l', '--format=%(contents)', TAG);
    expect(message).toContain(`run_id: ${run.runId}`);
    expect(message).toContain(`report_sha256: ${run.reportSha256}`);
    expect(message).toContain(`report: gate_results/${run.runId}/report.json`);

    const again = runCli(repo, ['sign-off', 'P1-S00']);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Stage P1-S00 may not close:');
    expect(again.stdout).toContain(`already signed off: tag ${TAG} exists`);
  });

  it('refuses a stage whose newest run failed, listing every reason, and creates no tag', () => {
    const repo = makeRepo(doneTree(['P1-S00']));
    addRun(repo, 'P1-S00', 'fail');
    appendFileSync(path.join(repo, 'stages/mvp/phase.md'), '\nMore words.\n');
    const result = runCli(repo, ['sign-off', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const [outcome] = JSON.parse(result.stdout).outcomes;
    expect(outcome).toMatchObject({ kind: 'stage', id: 'P1-S00', signed: false });
    // The reasons are the one assessment's sign-off needs (audit/assess.ts), as status and the audit pack list them.
    expect(outcome.reasons).toEqual([
      // The stage is done with a failing newest run: validation (done-needs-passing-run) and the verdict both say so.
      'validation error in stages/mvp/00-foundation.md:7:9 Stage `P1-S00` is `done` without a passing gate run that counts: its newest counting run, P1-S00_20261121T090000Z, failed its blocking gates: tests (fail: exit 1) (run `stagedocs validate`); run `stagedocs validate` and fix the errors in the stage document',
      'no passing gate run of P1-S00 counts: its newest counting run, P1-S00_20261121T090000Z, failed its blocking gates: tests (fail: exit 1); run `stagedocs gate run P1-S00` on a clean tree at a commit of this branch until it passes, and commit the evidence',
      'the working tree is not clean: `stages/mvp/phase.md`; commit or restore them',
    ]);
    expect(git(repo, 'tag', '-l')).toBe('');
  });

  it('refuses without a run, and with a run made at a commit outside HEAD\'s history', () => {
    const repo = makeRepo(doneTree(['P1-S00']));
    const none = runCli(repo, ['sign-off', 'P1-S00']);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no passing gate run of P1-S00 counts: it has no finished gate run; run `stagedocs gate run P1-S00`');

    addRun(repo, 'P1-S00', 'pass', 'f'.repeat(40));
    const elsewhere = runCli(repo, ['sign-off', 'P1-S00']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).toContain("was made at a commit that is not in HEAD's history");
  });

  it('offers the phase sign-off after the last stage, and signs off the phase on request', () => {
    const repo = makeRepo(doneTree(['P1-S00', 'P1-S01'], { phase: true }));
    addRun(repo, 'P1-S00', 'pass');
    addRun(repo, 'P1-S01', 'pass');
    expect(runCli(repo, ['sign-off', 'P1-S00']).stdout).not.toContain('Sign off the phase');
    const last = runCli(repo, ['sign-off', 'P1-S01']);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain('Every stage of phase P1 is signed off. Sign off the phase: stagedocs sign-off P1');

    const phase = runCli(repo, ['sign-off', 'P1']);
    expect(phase.code).toBe(0);
    expect(phase.stdout).toContain('Signed off phase P1: annotated tag stagedocs/P1/signed-off');
    expect(git(repo, 'tag', '-l', '--format=%(contents)', 'stagedocs/P1/signed-off')).toContain('stage_tag: stagedocs/P1-S01/signed-off');
  });

  it('signs off the phase too with --phase, and refuses a phase with stages still open', () => {
    const repo = makeRepo(doneTree(['P1-S00', 'P1-S01'], { phase: true }));
    addRun(repo, 'P1-S00', 'pass');
    const early = runCli(repo, ['sign-off', 'P1']);
    expect(early.code).toBe(1);
    expect(early.stdout).toContain('not every stage is signed off: P1-S00, P1-S01');

    addRun(repo, 'P1-S01', 'pass');
    expect(runCli(repo, ['sign-off', 'P1-S00']).stdout).toContain('Signed off stage P1-S00');
    const both = runCli(repo, ['sign-off', 'P1-S01', '--phase']);
    expect(both.stdout).toContain('Signed off stage P1-S01');
    expect(both.code).toBe(0);
    expect(both.stdout).toContain('Signed off phase P1');
    expect(git(repo, 'tag', '-l').split('\n').filter(Boolean).sort()).toEqual(['stagedocs/P1-S00/signed-off', 'stagedocs/P1-S01/signed-off', 'stagedocs/P1/signed-off']);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('asks on a terminal whether to sign off the phase, and does it on "y"', () => {
    const repo = makeRepo(doneTree(['P1-S00', 'P1-S01'], { phase: true }));
    addRun(repo, 'P1-S00', 'pass');
    addRun(repo, 'P1-S01', 'pass');
    expect(runCli(repo, ['sign-off', 'P1-S00']).code).toBe(0);
    // `script` gives the CLI a terminal, so it asks.
    const command = `${shellQuote(process.execPath)} ${shellQuote(CLI)} sign-off P1-S01`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: repo, env: GIT_ENV, input: 'y\n', encoding: 'utf8', timeout: 60_000 });
    expect(result.stdout).toContain('Sign off the phase now? [y/N]');
    expect(result.stdout).toContain('Signed off phase P1');
    expect(git(repo, 'tag', '-l', 'stagedocs/P1/signed-off').trim()).toBe('stagedocs/P1/signed-off');
  });

  it('checks ids before git, and works on a detached HEAD', () => {
    const repo = makeRepo(doneTree(['P1-S00']));
    const bad = runCli(repo, ['sign-off', '--', '--output=/tmp/stagedocs-x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a valid stage or phase id');
    const unknown = runCli(repo, ['sign-off', 'P9-S99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No stage or phase with id `P9-S99`');

    addRun(repo, 'P1-S00', 'pass');
    git(repo, 'checkout', '-q', '--detach');
    expect(runCli(repo, ['sign-off', 'P1-S00']).code).toBe(0);
  });
});

describe('stagedocs trace', () => {
  it('lists the commits, gate runs and tags of a stage, byte-stable', () => {
    const repo = makeRepo(doneTree(['P1-S00']));
    const run = addRun(repo, 'P1-S00', 'pass');
    expect(runCli(repo, ['sign-off', 'P1-S00']).code).toBe(0);

    const result = runCli(repo, ['trace', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(0);
    const trace = JSON.parse(result.stdout);
    expect(trace.stage).toMatchObject({ id: 'P1-S00', file: 'stages/mvp/00-foundation.md' });
    expect(trace.commits.map((commit: { subject: string }) => commit.subject)).toEqual(['evidence of P1-S00', 'initial']);
    expect(trace.commits[0].files.map((file: { path: string }) => file.path)).toEqual([
      `gate_results/${run.runId}/report.json`,
      `gate_results/${run.runId}/report.md`,
      `gate_results/${run.runId}/run.log`,
    ]);
    expect(trace.commits[1].files).toEqual([{ status: 'A', path: 'stages/mvp/00-foundation.md' }]);
    expect(trace.runs).toEqual([expect.objectContaining({ run_id: run.runId, overall_pass: true, report_sha256: run.reportSha256 })]);
    expect(trace.tags.map((tag: { name: string }) => tag.name)).toEqual([TAG]);

    const pretty = runCli(repo, ['trace', 'P1-S00']);
    expect(pretty.stdout).toContain(`  ${run.runId}  pass`);
    expect(pretty.stdout).toContain(`Tags (1):\n  ${TAG} -> `);
    expect(runCli(repo, ['trace', 'P1-S00']).stdout).toBe(pretty.stdout);
  });

  it('traces a stage whose file name holds spaces and unicode', () => {
    const file = 'stages/mvp/02 über stage.md';
    const repo = makeRepo({ ...validTree(), [file]: stage({ id: 'P1-S02', order: 2 }) });
    const trace = JSON.parse(runCli(repo, ['trace', 'P1-S02', '--format', 'json']).stdout);
    expect(trace.commits[0].files).toEqual([{ status: 'A', path: file }]);
    expect(runCli(repo, ['trace', 'P1-S02']).stdout).toContain(`      A ${file}\n`);
  });

  it('traces a stage of a repository without commits, and rejects a bad id', () => {
    const repo = makeRepo(validTree(), { commit: false });
    const result = runCli(repo, ['trace', 'P1-S01']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Commits (0, newest first):\n  (none)');
    expect(runCli(repo, ['trace', '../etc']).code).toBe(2);
  });
});
