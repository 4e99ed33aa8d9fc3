import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/util/csv.js';
import { phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { registryText } from '../helpers/gates.js';
import { CLI, git, GIT_ENV, makeRepo, runCli, tempDir, type CliResult } from '../helpers/repo.js';

/**
 * Gate runs across machines: four runners are four clones of one repository (behind a bare origin).
 * Each round, the plan's first wave is shared out; the runners run their share at the same time
 * (real processes), commit the evidence on a branch of their own and push it; the branches are then
 * merged into main with real git (the registry with `merge=union`, as `init` writes it). The result
 * must be what one machine running every stage reaches: the same verdict for every stage, a
 * registry that checks, and no row lost or duplicated.
 */

const RUNNERS = 4;
const WAVES = 4;
const PER_WAVE = 10;

/** Stage i of 40: the first ten depend on nothing, every other on the stage ten before it (four waves of ten). */
function stageId(index: number): string {
  return `P1-S${String(index).padStart(2, '0')}`;
}

function fortyStages(): Record<string, string> {
  const tree: Record<string, string> = {
    '.gitignore': '.stagedocs/\n',
    '.gitattributes': 'gate_results/gate_registry.csv merge=union\n',
    'stages/mvp/phase.md': phase(),
  };
  for (let index = 0; index < WAVES * PER_WAVE; index++) {
    const dependsOn = index < PER_WAVE ? '[]' : `[${stageId(index - PER_WAVE)}]`;
    tree[`stages/mvp/${String(index).padStart(2, '0')}-stage.md`] = stage({
      id: stageId(index),
      order: index,
      status: 'not-started',
      gates: 'gates:\n  - id: check\n    run: "true"',
      extra: `depends_on: ${dependsOn}\n`,
      body: STAGE_SECTIONS,
    });
  }
  return tree;
}

/** The clock of a stage's run: the same on any machine, so run ids and times agree with the single-machine run. */
function clockOf(stageIdValue: string): string {
  const index = Number(stageIdValue.slice(4));
  return new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + index * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Runs the built CLI as a separate process, asynchronously. */
function cliAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...GIT_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** One runner's share of a wave, its stages one after another (as one CI job each would). */
async function runShare(clone: string, stages: string[]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const id of stages) results.push(await cliAsync(clone, ['gate', 'run', id], { STAGEDOCS_NOW: clockOf(id) }));
  return results;
}

function waveZero(dir: string): string[] {
  const plan = JSON.parse(runCli(dir, ['gate', 'plan', '--format', 'json']).stdout) as { entries: Array<{ stage: string; wave: number }> };
  return plan.entries.filter((entry) => entry.wave === 0).map((entry) => entry.stage);
}

function statusOf(dir: string): unknown {
  const result = runCli(dir, ['status', '--format', 'json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('gate runs on four machines, merged with git', () => {
  it('four clones run their share of a 40-stage plan in parallel; the merged evidence checks and gives every verdict one machine gives', async () => {
    const seed = makeRepo(fortyStages());
    expect(runCli(seed, ['registry']).code).toBe(0);
    git(seed, 'add', '-A');
    git(seed, 'commit', '-q', '-m', 'empty registry');
    const start = git(seed, 'rev-parse', 'HEAD').trim();
    const origin = path.join(tempDir('stagedocs-origin-'), 'origin.git');
    git(seed, 'clone', '-q', '--bare', seed, origin);
    const clone = (name: string) => {
      const dir = path.join(tempDir(`stagedocs-${name}-`), name);
      git(path.dirname(dir), 'clone', '-q', origin, dir);
      return dir;
    };
    const integrator = clone('main');
    const runners = Array.from({ length: RUNNERS }, (_, index) => clone(`runner-${index}`));

    for (let round = 0; round < WAVES; round++) {
      git(integrator, 'pull', '-q', '--ff-only', 'origin', 'main');
      const due = waveZero(integrator);
      expect(due).toHaveLength(PER_WAVE);
      const shares = runners.map((_, runner) => due.filter((_, index) => index % RUNNERS === runner));
      const results = await Promise.all(
        runners.map(async (dir, runner) => {
          git(dir, 'checkout', '-q', 'main');
          git(dir, 'pull', '-q', '--ff-only', 'origin', 'main');
          git(dir, 'checkout', '-q', '-b', `runner-${runner}-round-${round}`);
          return runShare(dir, shares[runner]!);
        }),
      );
      for (const result of results.flat()) expect(result.stderr + result.stdout).toMatch(/PASS P1-S\d\d/);
      for (const [runner, dir] of runners.entries()) {
        git(dir, 'add', '-A', 'gate_results');
        git(dir, 'commit', '-q', '-m', `runner ${runner}: round ${round}`);
        git(dir, 'push', '-q', 'origin', `runner-${runner}-round-${round}`);
      }
      git(integrator, 'fetch', '-q', 'origin');
      for (let runner = 0; runner < RUNNERS; runner++) git(integrator, 'merge', '-q', '--no-ff', '--no-edit', `origin/runner-${runner}-round-${round}`);
      git(integrator, 'push', '-q', 'origin', 'main');
      const check = runCli(integrator, ['registry', '--check']);
      expect(check.stdout + check.stderr).not.toMatch(/missing|extra|duplicate|edited|sha-mismatch|conflict/i);
      expect(check.code).toBe(0);
    }

    // Every run is in the merged registry exactly once, and a rebuild from the reports has the same rows.
    const merged = registryText(integrator);
    expect(merged).not.toMatch(/^(<<<<<<<|=======|>>>>>>>)/m);
    const rows = parseCsv(merged).slice(1).map((row) => row.cells[0]!);
    expect(rows).toHaveLength(WAVES * PER_WAVE);
    expect(new Set(rows).size).toBe(WAVES * PER_WAVE);
    expect(runCli(integrator, ['registry']).code).toBe(0);
    const rebuilt = registryText(integrator);
    const lines = (text: string) => text.split('\r\n').filter((line) => line !== '');
    expect(lines(rebuilt).sort()).toEqual(lines(merged).sort());
    // The rebuild is in canonical order: started_at, then run id.
    expect(parseCsv(rebuilt).slice(1).map((row) => row.cells[0])).toEqual([...rows].sort());
    expect(runCli(integrator, ['registry', '--check']).code).toBe(0);
    git(integrator, 'checkout', '-q', '--', 'gate_results/gate_registry.csv');

    // One machine runs the same plan, wave after wave, in one clone, from the same start.
    const single = clone('single');
    git(single, 'checkout', '-q', '-b', 'single', start);
    expect(waveZero(single)).toHaveLength(PER_WAVE);
    // Its gate runs of a wave go side by side too (the registry lock orders their rows).
    for (let round = 0; round < WAVES; round++) {
      const results = await Promise.all(waveZero(single).map((id) => cliAsync(single, ['gate', 'run', id], { STAGEDOCS_NOW: clockOf(id) })));
      for (const result of results) expect(result.code).toBe(0);
    }
    git(single, 'add', '-A', 'gate_results');
    git(single, 'commit', '-q', '-m', 'all runs on one machine');
    expect(waveZero(single)).toEqual([]);
    expect(waveZero(integrator)).toEqual([]);
    const fourMachines = statusOf(integrator) as { phases: Array<{ stages: Array<{ passed: boolean }> }> };
    expect(fourMachines).toEqual(statusOf(single));
    const passed = fourMachines.phases[0]!.stages.filter((entry) => entry.passed);
    expect(passed).toHaveLength(WAVES * PER_WAVE);
  }, 120_000);
});
