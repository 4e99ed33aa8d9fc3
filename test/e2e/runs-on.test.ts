import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CURRENT_COLUMNS } from '../../src/evidence/registry.js';
import { validatorFor } from '../../src/model/ajv.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { parseCsv } from '../../src/util/csv.js';
import { readReport, registryText, runFolders } from '../helpers/gates.js';
import { git, runCli, writeTree } from '../helpers/repo.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo, verdictsOf } from '../helpers/verdict.js';

/** P1-S00 whose gates need the `workstation` label (stage-level), one gate also `gpu`; P1-S01 after it. */
function hostRepo(extra: Record<string, string> = {}) {
  return verdictRepo(
    {
      [stageFile('P1-S00')]: flagStage('P1-S00', 0, { extra: 'runs_on: [workstation]\n' }).replace(
        '  - id: check\n    run: test -f flags/P1-S00\n',
        '  - id: check\n    run: test -f flags/P1-S00\n  - id: heavy\n    run: "true"\n    runs_on: [gpu]\n',
      ),
      [stageFile('P1-S01')]: flagStage('P1-S01', 1, { status: 'not-started' }),
    },
    extra,
  );
}

describe('runs_on: where a gate may run', () => {
  it('refuses, before anything runs, a stage whose labels this runner lacks: exit 2, nothing written, the message says what is needed and how to set it', () => {
    const dir = hostRepo();
    expect(runCli(dir, ['validate']).code).toBe(0);
    const bare = gateRun(dir, 'P1-S00', true, ['--timeout', '5']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Stage `P1-S00` may not run here: gate `check` needs `workstation`, gate `heavy` needs `gpu`, `workstation`');
    expect(bare.stderr).toContain('this runner has no labels (neither STAGEDOCS_RUNNER_LABELS nor runner.labels is set), missing `gpu`, `workstation`');
    expect(bare.stderr).toContain('STAGEDOCS_RUNNER_LABELS=gpu,workstation');
    expect(bare.stderr).toContain('--allow-host');
    expect(bare.stderr).not.toMatch(/\n\s+at /);
    // Some labels, from the environment: the missing one is named.
    const partial = runCli(dir, ['gate', 'run', 'P1-S00', '--gate', 'check'], { env: { STAGEDOCS_RUNNER_LABELS: 'linux, Workstation' } });
    expect(partial.code).toBe(0);
    const heavy = runCli(dir, ['gate', 'run', 'P1-S00', '--gate', 'heavy'], { env: { STAGEDOCS_RUNNER_LABELS: 'linux,workstation' } });
    expect(heavy.code).toBe(2);
    expect(heavy.stderr).toContain('this runner has `linux`, `workstation` (from STAGEDOCS_RUNNER_LABELS), missing `gpu`');
    // Only the --gate check run was recorded; the refused runs left nothing.
    expect(runFolders(dir)).toHaveLength(1);
    expect(parseCsv(registryText(dir))).toHaveLength(2);
    // A malformed label is a usage error too.
    const bad = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_RUNNER_LABELS: 'work station' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('STAGEDOCS_RUNNER_LABELS holds the label `work station`');
  });

  it('nothing is written when refused: no run folder, no registry', () => {
    const dir = hostRepo();
    expect(gateRun(dir, 'P1-S00', true).code).toBe(2);
    expect(existsSync(path.join(dir, 'gate_results'))).toBe(false);
  });

  it('runs where the labels are met (config runner.labels), and records host, labels and preflight in environment.json', () => {
    const dir = hostRepo({ 'stagedocs.config.yaml': 'runner:\n  labels: [workstation, gpu, linux]\n' });
    expect(runCli(dir, ['validate']).code).toBe(0);
    expect(gateRun(dir, 'P1-S00', true).code).toBe(0);
    const [runId] = runFolders(dir);
    const environment = JSON.parse(readFileSync(path.join(dir, 'gate_results', runId!, 'environment.json'), 'utf8'));
    expect(environment.host).toEqual(expect.any(String));
    expect(environment.runner).toEqual({ labels: ['gpu', 'linux', 'workstation'], labels_from: 'runner.labels', required: ['gpu', 'workstation'], missing: [], preflight: 'passed' });
    const report = readReport(dir, runId!);
    expect(validatorFor(runReportSchema)(report)).toBe(true);
    expect(report.runner).toEqual({ required: ['gpu', 'workstation'], labels: ['gpu', 'linux', 'workstation'], missing: [] });
    expect(report.unofficial).toBeUndefined();
    const rows = parseCsv(registryText(dir));
    expect(rows[0]!.cells).toEqual([...CURRENT_COLUMNS]);
    expect(rows[1]!.cells.at(-1)).toBe('true');
    // The environment variable wins over the config.
    const refused = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_RUNNER_LABELS: 'linux' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('(from STAGEDOCS_RUNNER_LABELS)');
  });

  it('--allow-host runs it, marks it unofficial in report.json, the registry, status and the audit pack, and it never counts', () => {
    const dir = hostRepo();
    const result = gateRun(dir, 'P1-S00', true, ['--allow-host']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('UNOFFICIAL: run with --allow-host on a runner without `gpu`, `workstation`');
    const [runId] = runFolders(dir);
    const report = readReport(dir, runId!);
    expect(validatorFor(runReportSchema)(report)).toBe(true);
    expect(report).toMatchObject({ overall_pass: true, unofficial: true, runner: { required: ['gpu', 'workstation'], labels: [], missing: ['gpu', 'workstation'] } });
    const environment = JSON.parse(readFileSync(path.join(dir, 'gate_results', runId!, 'environment.json'), 'utf8'));
    expect(environment.runner).toMatchObject({ labels: [], labels_from: 'none', missing: ['gpu', 'workstation'], preflight: 'overridden' });
    expect(readFileSync(path.join(dir, 'gate_results', runId!, 'report.md'), 'utf8')).toContain('| Runner | UNOFFICIAL (--allow-host): needs gpu, workstation, missing gpu, workstation; this run never counts |');
    const rows = parseCsv(registryText(dir));
    expect(rows[0]!.cells.at(-1)).toBe('official');
    expect(rows[1]!.cells.at(-1)).toBe('false');
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
    writeTree(dir, { [stageFile('P1-S00')]: readFileSync(path.join(dir, stageFile('P1-S00')), 'utf8').replace('status: in-progress', 'status: done') });
    commitAll(dir, 'P1-S00 done, on an unofficial run');

    const verdict = verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']!;
    expect(verdict).toMatchObject({ validate: false, statusPassed: false, packPassed: false, signedOff: false, nextRefused: true });
    expect(verdict.signOffReasons.join('\n')).toContain('was unofficial: made with --allow-host on a runner without the labels its gates need (runs_on)');
    expect(runCli(dir, ['status', '--format', 'json']).stdout).toContain('on a runner with the labels its gates need (gpu, workstation), without --allow-host');
    const status = runCli(dir, ['status']);
    expect(status.stdout).toContain('unofficial');
    const pack = runCli(dir, ['audit-pack', 'P1-S00']);
    expect(pack.stdout).toContain('unofficial');
    // The same run made where it may run counts.
    const official = gateRun(dir, 'P1-S00', true, [], { STAGEDOCS_RUNNER_LABELS: 'gpu,workstation' });
    expect(official.code).toBe(0);
    commitAll(dir, 'official run');
    expect(verdictsOf(dir, { 'P1-S00': { next: 'P1-S01', done: true } })['P1-S00']).toMatchObject({ statusPassed: true, packPassed: true, signedOff: true });
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('a registry made before runner labels keeps its header: appends and rebuilds follow it, byte for byte, and --check passes', () => {
    const legacy = 'run_id,stage_id,stage_title,phase_id,started_at,finished_at,duration_ms,overall_pass,blocking_failures,warnings,decision_tag,commit,dirty,report_path,report_sha256\r\n';
    const dir = hostRepo({ 'gate_results/gate_registry.csv': legacy });
    expect(gateRun(dir, 'P1-S00', true, [], { STAGEDOCS_RUNNER_LABELS: 'gpu,workstation' }).code).toBe(0);
    expect(gateRun(dir, 'P1-S00', true, ['--allow-host']).code).toBe(0);
    expect(readReport(dir, runFolders(dir)[1]!).unofficial).toBe(true);
    const appended = registryText(dir);
    expect(appended.startsWith(legacy)).toBe(true);
    expect(parseCsv(appended).map((row) => row.cells.length)).toEqual([15, 15, 15]);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
    expect(runCli(dir, ['registry']).code).toBe(0);
    expect(registryText(dir)).toBe(appended);
  });
});
