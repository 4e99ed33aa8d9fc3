import { type Config } from '../model/config.js';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { Typed } from '../model/repository.js';
import { type GateSpec, type StageFrontmatter, gateType } from '../model/documents.js';
import { REPORT_FORMAT, type GateResult, type RunReport } from '../model/evidence.js';
import { loadWriteAtomic } from '../util/write-atomic.js';
import { createRunFolder, environmentSnapshot, loadReportTemplate, renderCommandScript, writeNew, writeReports } from './evidence.js';
import type { FreezeVerification } from './freeze.js';
import type { GitState } from '../git/worktree-status.js';
import { runShellCommand } from './process.js';
import { redactValues, type Redactor } from './redact.js';
import { registryValues, reportPathOf } from '../evidence/registry.js';
import { appendRegistryRow, loadRegistryLock } from './registry.js';
import { evaluateRequirement } from './requirements.js';
import { RunLog } from './run-log.js';

/** What the caller sees while a run goes on (the CLI draws progress from it). */
export interface RunProgress {
  gateStarted(gate: GateSpec, index: number, total: number): void;
  gateFinished(result: GateResult, index: number, total: number): void;
}

interface RunStageOptions {
  root: string;
  config: Config;
  gitState: GitState;
  stage: Typed<StageFrontmatter>;
  /** The gates to run, in order (all of the stage's, or those chosen with `--gate`). */
  gates: GateSpec[];
  /** Set when `--gate` limited the run. */
  selected: string[] | undefined;
  /** `--timeout`: overrides every gate's own timeout, in seconds. */
  timeoutOverride: number | undefined;
  decisionTag: string | null;
  freeze: FreezeVerification | undefined;
  env: Readonly<Record<string, string | undefined>>;
  redact: Redactor;
  now(): Date;
  nodeVersion: string;
  toolVersion: string;
  progress: RunProgress;
  /**
   * Aborted when the user interrupts the run: the running gate's processes are stopped, the later
   * gates do not run, and the run is recorded as interrupted (report.json, registry row).
   */
  signal?: AbortSignal;
}

export interface RunOutcome {
  report: RunReport;
  runDir: string;
  reportPath: string;
  logDropped: number;
  /** The cap on run.log (`gates.max_log_bytes`) that `logDropped` bytes went over. */
  logLimitBytes: number;
}

/**
 * Runs a stage's gates and leaves the evidence: the folder is created exclusively, command.sh and
 * environment.json are written first, run.log as output arrives, report.md and report.json at the end
 * (a folder without report.json is an unfinished run), then one registry row is appended.
 */
export async function runStage(options: RunStageOptions): Promise<RunOutcome> {
  const { root, config, stage, gates, redact } = options;
  // Everything the evidence needs after the gates is loaded before they run: a gate may delete
  // node_modules (`npm ci` does when it fails), stagedocs' own package included.
  const template = loadReportTemplate(root, config.paths.templates);
  loadWriteAtomic();
  loadRegistryLock();
  await import('tinyglobby');
  const gateResultsDir = config.paths.gate_results;
  const startedAt = options.now();
  const started = performance.now();
  const { runId, dir } = await createRunFolder(root, gateResultsDir, stage.data.id, startedAt);
  const timeouts = gates.map((gate) => options.timeoutOverride ?? gate.timeout ?? config.gates.default_timeout);

  await writeNew(dir, 'command.sh', renderCommandScript(stage.data.id, gates, timeouts, redact));
  const environment = environmentSnapshot(root, options.nodeVersion, options.toolVersion, options.gitState);
  await writeNew(dir, 'environment.json', `${JSON.stringify(redactValues(environment, redact), null, 2)}\n`);

  const log = new RunLog(path.join(dir, 'run.log'), config.gates.max_log_bytes, redact);
  const results: GateResult[] = [];
  let interrupted = false;
  try {
    for (const [index, gate] of gates.entries()) {
      if (options.signal?.aborted) {
        interrupted = true;
        log.marker(`interrupted before gate ${gate.id}: it and the gates after it did not run`);
        break;
      }
      options.progress.gateStarted(gate, index, gates.length);
      const type = gateType(gate);
      const severity = gate.severity ?? 'blocking';
      const gateStartedAt = options.now();
      const gateStarted = performance.now();
      log.marker(`gate ${gate.id} (${type}, ${severity}) started ${gateStartedAt.toISOString()}${gate.run !== undefined ? `: ${gate.run}` : ''}`);
      const measured = await evaluateRequirement(gate, {
        root,
        stage: stage.data,
        runCommand: (command) =>
          runShellCommand(command, {
            cwd: root,
            env: options.env,
            timeoutMs: timeouts[index]! * 1000,
            ...(options.signal ? { signal: options.signal } : {}),
            onOutput: (stream, chunk) => log.output(stream, chunk),
          }),
      });
      const dropped = log.endGate();
      const result: GateResult = {
        id: gate.id,
        type,
        severity,
        outcome: measured.outcome,
        ...(gate.run !== undefined ? { command: redact(gate.run) } : {}),
        ...('exit_code' in measured ? { exit_code: measured.exit_code ?? null } : {}),
        started_at: gateStartedAt.toISOString(),
        finished_at: options.now().toISOString(),
        duration_ms: Math.round(performance.now() - gateStarted),
        summary: redact(measured.summary),
        ...(measured.measured ? { measured: measured.measured } : {}),
        ...detailsOf(measured.details, dropped, measured.outcome !== 'pass' ? log.lastTail : []),
      };
      log.marker(`gate ${gate.id} ${result.outcome}: ${result.summary}`);
      results.push(result);
      options.progress.gateFinished(result, index, gates.length);
      if (result.outcome === 'interrupted' || options.signal?.aborted) {
        interrupted = true;
        log.marker(`interrupted during gate ${gate.id}: the gates after it did not run`);
        break;
      }
    }
  } finally {
    log.close();
  }

  const failing = (severity: 'blocking' | 'warning') => results.filter((result) => result.severity === severity && result.outcome !== 'pass').length;
  const report: RunReport = {
    format: REPORT_FORMAT,
    run_id: runId,
    stage_id: stage.data.id,
    stage_title: stage.data.title,
    phase_id: stage.data.phase,
    stage_file: stage.doc.file,
    started_at: startedAt.toISOString(),
    finished_at: options.now().toISOString(),
    duration_ms: Math.round(performance.now() - started),
    overall_pass: !interrupted && failing('blocking') === 0,
    blocking_failures: failing('blocking'),
    warnings: failing('warning'),
    decision_tag: options.decisionTag,
    commit: options.gitState.commit,
    branch: options.gitState.branch,
    dirty: options.gitState.dirty,
    tool_version: options.toolVersion,
    gates: results,
    ...(options.selected ? { selected_gates: options.selected } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    ...(options.freeze ? { freeze: options.freeze } : {}),
  };
  const bytes = await writeReports(template, dir, report, redact);
  // The row is derived from the bytes on disk (redacted), exactly as `stagedocs registry` derives it.
  const written = JSON.parse(bytes.toString('utf8')) as RunReport;
  const reportPath = reportPathOf(gateResultsDir, runId);
  await appendRegistryRow(root, gateResultsDir, registryValues(written, reportPath, createHash('sha256').update(bytes).digest('hex')));
  return { report: written, runDir: path.posix.join(gateResultsDir, runId), reportPath, logDropped: log.dropped, logLimitBytes: config.gates.max_log_bytes };
}

/** Type-specific details, plus what the log cap dropped and, for a gate that did not pass, its last output lines. */
function detailsOf(details: Record<string, unknown> | undefined, dropped: number, tail: string[]): { details?: Record<string, unknown> } {
  const all = { ...details, ...(dropped > 0 ? { log_bytes_dropped: dropped } : {}), ...(tail.length > 0 ? { output_tail: tail } : {}) };
  return Object.keys(all).length > 0 ? { details: all } : {};
}
