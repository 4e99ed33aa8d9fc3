import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryCsv, runFolder, runReport } from '../helpers/evidence.js';
import { gateRepo, gateStage, registryText } from '../helpers/gates.js';
import { CLI, GIT_ENV, runCli, writeTree } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';

function diagnostics(dir: string) {
  const result = runCli(dir, ['validate', '--format', 'json', '--no-cache']);
  return JSON.parse(result.stdout).diagnostics as Array<{ file: string; line: number; ruleId: string; message: string }>;
}

const ofRule = (dir: string, ruleId: string) => diagnostics(dir).filter((diagnostic) => diagnostic.ruleId === ruleId);

describe('evidence rules in validate', () => {
  it('done-needs-passing-run: a done stage needs a passing run of its current gates', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"') });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    writeFileSync(path.join(dir, S00), gateStage('  - id: tests\n    run: "true"', { status: 'done' }));
    expect(ofRule(dir, 'done-needs-passing-run')).toEqual([]);

    // Changing the gate's command makes the old pass stale.
    writeFileSync(path.join(dir, S00), gateStage('  - id: tests\n    run: "npm test"', { status: 'done' }));
    const stale = ofRule(dir, 'done-needs-passing-run');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ file: S00, line: 7, message: expect.stringMatching(/without a passing gate run that counts: none of its 1 finished run\(s\) counts \(the newest, P1-S00_\S+, ran other gates than the stage has now\)/) });
  });

  it('done-needs-passing-run: a done stage without any run is an error', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"', { status: 'done' }) });
    expect(ofRule(dir, 'done-needs-passing-run')).toEqual([
      expect.objectContaining({ file: S00, line: 7, message: 'Stage `P1-S00` is `done` without a passing gate run that counts: it has no finished gate run' }),
    ]);
    expect(runCli(dir, ['validate']).code).toBe(1);
  });

  it('registry-consistent: an edited row is an error with its line; an unfinished run is not', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"') });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    expect(ofRule(dir, 'registry-consistent')).toEqual([]);
    // A run folder without report.json (a killed run) is unfinished, not an inconsistency.
    mkdirSync(path.join(dir, 'gate_results/P1-S00_20261121T093000Z-2'));
    writeFileSync(path.join(dir, 'gate_results/P1-S00_20261121T093000Z-2/command.sh'), 'true\n');
    expect(ofRule(dir, 'registry-consistent')).toEqual([]);
    writeFileSync(path.join(dir, 'gate_results/gate_registry.csv'), registryText(dir).replace(',true,0,0,', ',false,0,0,'));
    expect(ofRule(dir, 'registry-consistent')).toEqual([
      expect.objectContaining({ file: 'gate_results/gate_registry.csv', line: 2, message: expect.stringMatching(/differs from its report\.json in `overall_pass`/) }),
    ]);
  });

  it('freeze-required: a started stage with freeze: required needs its freeze file', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"', { extra: 'freeze: required\n' }) });
    expect(ofRule(dir, 'freeze-required')).toEqual([
      expect.objectContaining({ file: S00, line: 13, message: expect.stringMatching(/`freeze: required`, but freeze\/P1-S00\.freeze\.json does not exist/) }),
    ]);
    writeFileSync(path.join(dir, 'input.txt'), 'x\n');
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'input.txt']).code).toBe(0);
    expect(ofRule(dir, 'freeze-required')).toEqual([]);
  });

  it('reads thousands of runs with few file descriptors, and tells an unreadable report.json from a missing one', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: tests\n    run: "true"') });
    const reports = Array.from({ length: 600 }, (_, index) => runReport({ stage: 'P1-S00', at: `20261120T${String(Math.floor(index / 60)).padStart(2, '0')}${String(index % 60).padStart(2, '0')}00Z`, pass: true }));
    writeTree(dir, Object.assign({}, ...reports.map(runFolder), { 'gate_results/gate_registry.csv': registryCsv(reports) }));
    // 600 reports read at once would need 600 open files; the limit here is 256.
    const limited = spawnSync('sh', ['-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, CLI, 'validate', '--format', 'json', '--no-cache'], { cwd: dir, env: GIT_ENV, encoding: 'utf8' });
    expect(limited.stderr).toBe('');
    expect(JSON.parse(limited.stdout).diagnostics).toEqual([]);

    // A report.json that exists but cannot be read is not an unfinished run.
    const unreadable = path.join(dir, 'gate_results', reports[0]!.run_id, 'report.json');
    rmSync(unreadable);
    mkdirSync(unreadable);
    expect(ofRule(dir, 'registry-consistent')).toEqual([
      expect.objectContaining({ file: `gate_results/${reports[0]!.run_id}/report.json`, message: 'report.json cannot be read (EISDIR)' }),
    ]);
  });
});

