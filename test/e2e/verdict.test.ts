import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decision, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { git, runCli, writeTree } from '../helpers/repo.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo, verdictsOf, type StageVerdicts } from '../helpers/verdict.js';

/**
 * One verdict: validate, status, audit-pack, sign-off and gate run (progression) judge every stage by
 * the same notion of a counting run (model/progression.ts). Each case is a real repository built with
 * real `gate run`s; each asserts what the verdict is and that every command says the same.
 */
function expectAgreement(verdict: StageVerdicts, passed: boolean, signOff: boolean) {
  expect({ status: verdict.statusPassed, pack: verdict.packPassed, validate: verdict.validate ?? passed, next: verdict.nextRefused === undefined ? passed : !verdict.nextRefused }).toEqual({
    status: passed,
    pack: passed,
    validate: passed,
    next: passed,
  });
  expect({ status: verdict.statusSignOff, pack: verdict.packSignOff, signOff: verdict.signedOff }).toEqual({ status: signOff, pack: signOff, signOff });
  // "marked done without a passing run" is said by both or by neither, and only of a stage that did not pass.
  expect(verdict.statusDoneWithoutPass).toBe(verdict.packDoneWithoutPass);
  if (passed) expect(verdict.statusDoneWithoutPass).toBe(false);
}

function twoStages(s00: { status: string }) {
  return verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0, s00), [stageFile('P1-S01')]: flagStage('P1-S01', 1) });
}

/** S00 done with a passing run, evidence committed: everything agrees it may close. */
function passedAndDone() {
  const dir = twoStages({ status: 'in-progress' });
  expect(gateRun(dir, 'P1-S00', true).code).toBe(0);
  writeTree(dir, { [stageFile('P1-S00')]: flagStage('P1-S00', 0, { status: 'done' }) });
  commitAll(dir, 'P1-S00 done');
  return dir;
}

describe('one verdict, from every command', () => {
  it('a done stage whose passing run is committed: passed and may be signed off, by every command', () => {
    const dir = passedAndDone();
    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expectAgreement(verdict, true, true);
  });

  it('a pass, then a fail, of a done stage: not passed, by every command (the newer failure outweighs the older pass)', () => {
    const dir = passedAndDone();
    expect(gateRun(dir, 'P1-S00', false).code).toBe(1);
    commitAll(dir, 'failing run');
    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expectAgreement(verdict, false, false);
    expect(verdict.signOffReasons.join('\n')).toMatch(/newest counting run, P1-S00_\S+, failed/);
  });

  it('a not-started stage with an uncommitted passing run: sign-off refused (status, evidence), everywhere', () => {
    const dir = twoStages({ status: 'not-started' });
    expect(gateRun(dir, 'P1-S00', true).code).toBe(0);
    const verdict = verdictsOf(dir, { 'P1-S00': { done: false } })['P1-S00']!;
    expectAgreement(verdict, true, false);
    const reasons = verdict.signOffReasons.join('\n');
    expect(reasons).toContain('has status `not-started`, expected `done`');
    expect(reasons).toMatch(/evidence of P1-S00_\S+ \(gate_results\/P1-S00_\S+\/\) is not committed in HEAD's history/);
  });

  it('a failed run whose report.json was edited to pass: not passed anywhere, and validate reports the hash', () => {
    const dir = twoStages({ status: 'in-progress' });
    expect(gateRun(dir, 'P1-S00', false).code).toBe(1);
    const [runId] = git(dir, 'ls-files', '--others', '--exclude-standard', 'gate_results').split('\n').filter((file) => file.endsWith('report.json'));
    const file = path.join(dir, runId!);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    report.overall_pass = true;
    report.blocking_failures = 0;
    for (const gate of report.gates) gate.outcome = 'pass';
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    writeTree(dir, { [stageFile('P1-S00')]: flagStage('P1-S00', 0, { status: 'done' }) });
    commitAll(dir, 'forged');
    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expectAgreement(verdict, false, false);
    expect(runCli(dir, ['validate']).stdout).toContain('registry-consistent');
  });

  it('a passing run of gates the stage no longer has: not passed anywhere', () => {
    const dir = passedAndDone();
    writeTree(dir, { [stageFile('P1-S00')]: flagStage('P1-S00', 0, { status: 'done', flag: 'other' }) });
    commitAll(dir, 'change the gate');
    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expectAgreement(verdict, false, false);
    expect(verdict.signOffReasons.join('\n')).toContain('ran other gates than the stage has now');
  });

  it('a passing run recorded on a dirty tree: not passed anywhere', () => {
    const dir = twoStages({ status: 'in-progress' });
    writeTree(dir, { 'README.md': 'uncommitted\n' });
    expect(gateRun(dir, 'P1-S00', true).code).toBe(0);
    writeTree(dir, { [stageFile('P1-S00')]: flagStage('P1-S00', 0, { status: 'done' }) });
    commitAll(dir, 'dirty run');
    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expectAgreement(verdict, false, false);
    expect(verdict.signOffReasons.join('\n')).toContain('uncommitted changes');
  });

  it('a passing run made on another branch (its commit not in HEAD\'s history): not passed anywhere', () => {
    const dir = twoStages({ status: 'in-progress' });
    git(dir, 'checkout', '-q', '-b', 'side');
    commitAll(dir, 'side commit');
    expect(gateRun(dir, 'P1-S00', true).code).toBe(0);
    const evidence = git(dir, 'ls-files', '--others', '--exclude-standard').split('\n').filter(Boolean);
    git(dir, 'stash', '-q', '-u');
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'stash', 'pop', '-q');
    expect(evidence.length).toBeGreaterThan(0);
    writeTree(dir, { [stageFile('P1-S00')]: flagStage('P1-S00', 0, { status: 'done' }) });
    commitAll(dir, 'evidence from elsewhere');
    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expectAgreement(verdict, false, false);
  });

  it('sign-off --phase refuses a phase that is not done, and names the run, hash and commit in the tag', () => {
    const dir = passedAndDone();
    const signed = runCli(dir, ['sign-off', 'P1-S00', '--phase', '--format', 'json']);
    const outcomes = JSON.parse(signed.stdout).outcomes;
    expect(outcomes[0]).toMatchObject({ kind: 'stage', signed: true });
    expect(outcomes[1]).toMatchObject({ kind: 'phase', signed: false });
    expect(outcomes[1].reasons.join('\n')).toContain('not every stage is signed off: P1-S01');
    expect(signed.code).toBe(1);
    const message = git(dir, 'tag', '-l', '--format=%(contents)', 'stagedocs/P1-S00/signed-off');
    expect(message).toMatch(/run_id: P1-S00_\S+\nrun_commit: [0-9a-f]{40}\nreport: gate_results\/P1-S00_\S+\/report\.json\nreport_sha256: [0-9a-f]{64}/);
    expect(git(dir, 'cat-file', '-t', 'refs/tags/stagedocs/P1-S00/signed-off').trim()).toBe('tag');
    expect(git(dir, 'tag', '-l', 'stagedocs/P1/*')).toBe('');
  });
});

describe('reruns: the note named by --decision', () => {
  function failedOnce() {
    const dir = twoStages({ status: 'in-progress' });
    expect(gateRun(dir, 'P1-S00', false).code).toBe(1);
    const runId = git(dir, 'ls-files', '--others', '--exclude-standard', 'gate_results').split('\n').find((file) => file.endsWith('report.json'))!.split('/')[1]!;
    commitAll(dir, 'failed run');
    return { dir, runId };
  }
  const note = (tag: string, extra: string, rootCause: string) =>
    decision({ tag, extra, body: `## Context\nThe check failed.\n\n## Decision\nFix it.\n\n## Consequences\nNone.\n\n## Root cause\n${rootCause}\n` });

  it('refuses the scaffold\'s TODO root cause, a rejected note, a note about another stage, and one about another run; accepts a good one', () => {
    const { dir, runId } = failedOnce();
    const cause = 'The flag file was missing; this attempt creates it.';
    writeTree(dir, {
      'decisions/D-2026-11-21-001.md': note('D-2026-11-21-001', `stages: [P1-S00]\nrerun_of: ${runId}\n`, 'TODO: why the gate run failed, what this attempt changes, and why that fixes it.'), // stagedocs-allow-stub: the scaffold text under test
      'decisions/D-2026-11-21-002.md': note('D-2026-11-21-002', `stages: [P1-S00]\nrerun_of: ${runId}\n`, cause).replace('status: accepted', 'status: rejected'),
      'decisions/D-2026-11-21-003.md': note('D-2026-11-21-003', 'stages: [P1-S01]\n', cause),
      'decisions/D-2026-11-21-004.md': note('D-2026-11-21-004', 'stages: [P1-S00]\nrerun_of: P1-S00_20200101T000000Z\n', cause),
      'decisions/D-2026-11-21-005.md': note('D-2026-11-21-005', `stages: [P1-S00]\nrerun_of: ${runId}\n`, cause),
    });
    commitAll(dir, 'notes');
    const refused = (tag: string) => gateRun(dir, 'P1-S00', true, ['--decision', tag]);
    const todo = refused('D-2026-11-21-001');
    expect(todo.code).toBe(1);
    expect(todo.stderr).toContain('still holds `TODO`');
    const rejected = refused('D-2026-11-21-002');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('is `rejected`, expected `proposed` or `accepted`');
    const other = refused('D-2026-11-21-003');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('is about `P1-S01`, not `P1-S00`');
    const otherRun = refused('D-2026-11-21-004');
    expect(otherRun.code).toBe(1);
    expect(otherRun.stderr).toContain(`answers run \`P1-S00_20200101T000000Z\`, not ${runId}`);
    expect(git(dir, 'ls-files', '--others', '--exclude-standard', 'gate_results')).toBe('');
    expect(refused('D-2026-11-21-005').code).toBe(0);
  });

  it('takes a failed run whose report.json was edited to pass as failed: the next run still needs a decision (found by verdict-property)', () => {
    const { dir, runId } = failedOnce();
    const report = path.join(dir, 'gate_results', runId, 'report.json');
    writeFileSync(report, readFileSync(report, 'utf8').replace('"overall_pass": false', '"overall_pass": true'));
    commitAll(dir, 'the failure, edited');
    const result = gateRun(dir, 'P1-S00', true);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(runId);
    expect(result.stderr).toContain('--decision');
  });

  it('counts an unfinished last run (no report.json) as a failure', () => {
    const dir = twoStages({ status: 'in-progress' });
    writeTree(dir, { 'gate_results/P1-S00_20261121T235900Z/run.log': 'killed\n' });
    commitAll(dir, 'an interrupted run');
    const result = gateRun(dir, 'P1-S00', true);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('P1-S00_20261121T235900Z');
    expect(result.stderr).toContain('--decision');
  });
});

// Keeps the helpers' imports honest: a stage without the flag helper still validates.
void stage;
void STAGE_SECTIONS;
