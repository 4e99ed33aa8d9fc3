/**
 * Hand-written gate evidence that follows the report.json contract (src/model/evidence.ts) exactly,
 * for tests of the commands that read evidence (status, audit-pack) without running gates.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { csvRow } from '../../src/util/csv.js';
import { HEADER, registryValues, reportPathOf } from '../../src/evidence/registry.js';
import { REPORT_FORMAT, type GateResult, type RunReport } from '../../src/model/evidence.js';
import { GIT_ENV, writeTree, type Tree } from './repo.js';

export interface RunOptions {
  stage: string;
  /** UTC, compact: `20261121T100000Z`. */
  at: string;
  pass: boolean;
  gates?: Array<Pick<GateResult, 'id' | 'outcome'> & Partial<GateResult>>;
  commit?: string | null;
  decision?: string | null;
  title?: string;
  phase?: string;
  stageFile?: string;
  freeze?: RunReport['freeze'];
}

export function runReport(options: RunOptions): RunReport {
  const started = `${options.at.slice(0, 4)}-${options.at.slice(4, 6)}-${options.at.slice(6, 8)}T${options.at.slice(9, 11)}:${options.at.slice(11, 13)}:${options.at.slice(13, 15)}.000Z`;
  const finished = new Date(Date.parse(started) + 12_345).toISOString();
  const gates: GateResult[] = (options.gates ?? [{ id: 'tests', outcome: options.pass ? 'pass' : 'fail' }]).map((gate) => ({
    type: 'run',
    severity: 'blocking',
    // The command of the gate `stage()` (documents.ts) declares: a run counts only for the gates the stage has now.
    command: 'true',
    exit_code: gate.outcome === 'pass' ? 0 : 1,
    started_at: started,
    finished_at: finished,
    duration_ms: 12_000,
    summary: gate.outcome === 'pass' ? 'exit 0' : 'exit 1',
    ...gate,
  }));
  const report: RunReport = {
    format: REPORT_FORMAT,
    run_id: `${options.stage}_${options.at}`,
    stage_id: options.stage,
    stage_title: options.title ?? `Stage ${options.stage}`,
    phase_id: options.phase ?? 'P1',
    stage_file: options.stageFile ?? 'stages/mvp/00-foundation.md',
    started_at: started,
    finished_at: finished,
    duration_ms: 12_345,
    overall_pass: options.pass,
    blocking_failures: gates.filter((gate) => gate.severity === 'blocking' && gate.outcome !== 'pass').length,
    warnings: gates.filter((gate) => gate.severity === 'warning' && gate.outcome !== 'pass').length,
    decision_tag: options.decision ?? null,
    commit: options.commit ?? null,
    branch: 'feature',
    dirty: false,
    tool_version: '0.1.0',
    gates,
  };
  if (options.freeze) report.freeze = options.freeze;
  return report;
}

/** The five files of one run folder, as `gate run` writes them. */
export function runFolder(report: RunReport): Tree {
  const dir = `gate_results/${report.run_id}`;
  return {
    [`${dir}/report.json`]: `${JSON.stringify(report, null, 2)}\n`,
    [`${dir}/report.md`]: `# ${report.run_id}\n\n${report.overall_pass ? 'PASS' : 'FAIL'}\n`,
    [`${dir}/run.log`]: `${report.gates.map((gate) => `$ ${gate.command ?? gate.id}\n`).join('')}${report.overall_pass ? 'ok' : 'not ok'}\n`,
    [`${dir}/command.sh`]: `#!/bin/sh\n${report.gates.map((gate) => `${gate.command ?? gate.id}\n`).join('')}`,
    [`${dir}/environment.json`]: '{"node":"v20"}\n',
  };
}

/** `gate_registry.csv` with one row per report, written as `gate run` writes it. */
export function registryCsv(reports: RunReport[], gateResults = 'gate_results'): string {
  const rows = reports.map((report) => {
    const reportPath = reportPathOf(gateResults, report.run_id);
    const sha = createHash('sha256').update(runFolder(report)[reportPathOf('gate_results', report.run_id)]!).digest('hex');
    return csvRow(registryValues(report, reportPath, sha));
  });
  return HEADER + rows.join('');
}

/**
 * Appends the registry rows of `reports` to `<gateResults>/gate_registry.csv` under `dir` (creating it
 * with its header), as `gate run` does when a run finishes; returns the new file text.
 */
export function appendRegistry(dir: string, reports: RunReport[], gateResults = 'gate_results'): string {
  const file = path.join(dir, gateResults, 'gate_registry.csv');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const text = before + registryCsv(reports, gateResults).slice(HEADER.length);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return text;
}

let tick = 0;
/**
 * Writes files and commits them with a fixed author date that advances per commit, so SHAs (and so
 * snapshots) are the same on every run. Returns the new commit's SHA.
 */
export function commitFiles(dir: string, tree: Tree, message: string): string {
  writeTree(dir, tree);
  const date = new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + tick++ * 60_000).toISOString();
  const env = { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  for (const args of [['add', '-A'], ['commit', '-q', '--allow-empty', '-m', message]]) {
    const result = spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  }
  return spawnSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env, encoding: 'utf8' }).stdout.trim();
}

/** Resets the commit clock, so each test's repository gets the same SHAs whatever ran before. */
export function resetCommitClock(): void {
  tick = 0;
}
