import { type Config } from '../model/config.js';
import type { RunnerCheck } from '../model/evidence.js';
import type { RunnerLabels } from '../model/runner.js';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { Typed } from '../model/repository.js';
import { type GateSpec, type StageFrontmatter, gateType } from '../model/documents.js';
import { ARTIFACTS_DIR, REGISTRY_FILE, REPORT_FORMAT, type GateResult, type RunReport } from '../model/evidence.js';
import { asFileSystemError } from '../model/errors.js';
import { loadWriteAtomic } from '../util/write-atomic.js';
import { createRunFolder, environmentSnapshot, loadReportTemplate, renderCommandScript, writeNew, writeReports } from './evidence.js';
import type { FreezeVerification } from './freeze.js';
import type { GitState } from '../git/worktree-status.js';
import { runShellCommand } from './process.js';
import { redactValues, type Redactor } from './redact.js';
import { registryValues, reportPathOf } from '../evidence/registry.js';
import { reportSha256 } from '../evidence/read.js';
import { appendRegistryRow, loadRegistryLock } from './registry.js';
import { evaluateRequirement } from './requirements.js';
import { keepArtifacts } from './artifacts.js';
import { orderByNeeds, skippedResult, unmetNeed } from './needs.js';
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
  /** The gates of `gates` that run only because a selected gate needs them (empty without `--gate`). */
  prerequisites: readonly string[];
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
  /** The host check, when the stage's gates need runner labels or the runner has some. */
  runner: { check: RunnerCheck; source: RunnerLabels['source'] } | undefined;
  /** The runner lacks labels the gates need and `--allow-host` ran them anyway: the run never counts. */
  unofficial: boolean;
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
  const { root, config, stage, redact } = options;
  // Everything the evidence needs after the gates is loaded before they run: a gate may delete
  // node_modules (`npm ci` does when it fails), stagedocs' own package included.
  const template = loadReportTemplate(root, config.paths.templates);
  loadWriteAtomic();
  loadRegistryLock();
  await import('tinyglobby');
  const gateResultsDir = config.paths.gate_results;
  const startedAt = options.now();
  const started = performance.now();
  let created: { runId: string; dir: string };
  try {
    created = await createRunFolder(root, gateResultsDir, stage.data.id, startedAt);
  } catch (error) {
    throw asFileSystemError(error, `${gateResultsDir.replace(/\/+$/, '')}/`, 'create the run folder in', 'no gate ran and nothing was written');
  }
  const { runId, dir } = created;
  const runDir = path.posix.join(gateResultsDir, runId);
  const gates = orderByNeeds(options.gates);
  const timeouts = gates.map((gate) => options.timeoutOverride ?? gate.timeout ?? config.gates.default_timeout);

  // The user's interrupt, or a log that can no longer be written: either ends the running gate's
  // processes (SIGTERM, then SIGKILL) and skips the later gates, so no gate outlives stagedocs.
  const stopGates = new AbortController();
  options.signal?.addEventListener('abort', () => stopGates.abort(), { once: true });
  if (options.signal?.aborted) stopGates.abort();
  // Before any gate ran, a failed write undoes the run folder: nothing was attempted, so nothing is
  // left that the rerun policy would count as a failed attempt.
  let log: RunLog;
  let current = 'command.sh';
  try {
    await writeNew(dir, 'command.sh', renderCommandScript(stage.data.id, gates, timeouts, redact));
    current = 'environment.json';
    const environment = { ...environmentSnapshot(root, options.nodeVersion, options.toolVersion, options.gitState), runner: runnerRecord(options) };
    await writeNew(dir, 'environment.json', `${JSON.stringify(redactValues(environment, redact), null, 2)}\n`);
    current = 'run.log';
    log = new RunLog(path.join(dir, 'run.log'), config.gates.max_log_bytes, redact, () => stopGates.abort());
  } catch (error) {
    const removed = await rm(dir, { recursive: true, force: true }).then(
      () => true,
      () => false,
    );
    throw asFileSystemError(error, `${runDir}/${current}`, 'write', removed ? `no gate ran and the run folder was removed` : `no gate ran; ${runDir}/ is left without report.json, an unfinished run`);
  }
  const results: GateResult[] = [];
  let interrupted = false;
  try {
    for (const [index, gate] of gates.entries()) {
      if (stopGates.signal.aborted) {
        interrupted = true;
        log.marker(`interrupted before gate ${gate.id}: it and the gates after it did not run`);
        break;
      }
      const type = gateType(gate);
      const unmet = unmetNeed(gate, results);
      if (unmet !== undefined) {
        const skipped: GateResult = { ...skippedResult(gate, type, unmet, options.now().toISOString()), ...(gate.run !== undefined ? { command: redact(gate.run) } : {}) };
        log.marker(`gate ${gate.id} skipped: ${skipped.summary}`);
        results.push(skipped);
        options.progress.gateFinished(skipped, index, gates.length);
        continue;
      }
      options.progress.gateStarted(gate, index, gates.length);
      const severity = gate.severity ?? 'blocking';
      const gateStartedAt = options.now();
      const gateStarted = performance.now();
      log.marker(`gate ${gate.id} (${type}, ${severity}) started ${gateStartedAt.toISOString()}${gate.run !== undefined ? `: ${gate.run}` : ''}`);
      const measured = await evaluateRequirement(gate, {
        root,
        stage: stage.data,
        runCommand: (command, stop) =>
          runShellCommand(command, {
            cwd: root,
            env: options.env,
            timeoutMs: timeouts[index]! * 1000,
            signal: stop ? AbortSignal.any([stopGates.signal, stop]) : stopGates.signal,
            onOutput: (stream, chunk) => log.output(stream, chunk),
          }),
        outputTail: () => log.flushTail(),
      });
      const dropped = log.endGate();
      let artifacts: Awaited<ReturnType<typeof keepArtifacts>> | undefined;
      try {
        if (gate.artifacts && gate.artifacts.length > 0) artifacts = await keepArtifacts(root, dir, gate.artifacts, [`${gateResultsDir.replace(/\/+$/, '')}/**`]);
      } catch (error) {
        throw asFileSystemError(error, `${runDir}/${ARTIFACTS_DIR}/`, `copy the kept artifacts of gate \`${gate.id}\` into`, unfinishedState(runDir, 'the gate ran, and the gates after it did not'));
      }
      if (artifacts) log.marker(`gate ${gate.id} kept ${artifacts.kept.length} artifact(s)${artifacts.refused.length > 0 ? `; not copied: ${artifacts.refused.join(', ')}` : ''}`);
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
        ...(measured.measurements && measured.measurements.length > 0 ? { measurements: measured.measurements } : {}),
        ...detailsOf({ ...measured.details, ...(artifacts && artifacts.refused.length > 0 ? { artifacts_refused: artifacts.refused } : {}) }, dropped, measured.outcome !== 'pass' ? log.lastTail : []),
        ...(artifacts ? { artifacts: artifacts.kept } : {}),
      };
      log.marker(`gate ${gate.id} ${result.outcome}: ${result.summary}`);
      results.push(result);
      options.progress.gateFinished(result, index, gates.length);
      if (result.outcome === 'interrupted' || stopGates.signal.aborted) {
        interrupted = true;
        log.marker(`interrupted during gate ${gate.id}: the gates after it did not run`);
        break;
      }
    }
  } finally {
    log.close();
  }
  if (log.failure) throw asFileSystemError(log.failure, `${runDir}/run.log`, 'write', unfinishedState(runDir, 'the running gate was stopped and the gates after it did not run; run.log holds the output up to the failure'));

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
    ...(options.prerequisites.length > 0 ? { prerequisite_gates: [...options.prerequisites] } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    ...(options.freeze ? { freeze: options.freeze } : {}),
    ...(options.runner && options.runner.check.required.length > 0 ? { runner: options.runner.check } : {}),
    ...(options.unofficial ? { unofficial: true } : {}),
  };
  let bytes: Buffer;
  try {
    bytes = await writeReports(template, dir, report, redact, runDir);
  } catch (error) {
    throw asFileSystemError(error, `${runDir}/report.json`, 'write', unfinishedState(runDir, 'every gate ran, but its report could not be written (a report is written whole or not at all)'));
  }
  // The row is derived from the bytes on disk (redacted), exactly as `stagedocs registry` derives it.
  const written = JSON.parse(bytes.toString('utf8')) as RunReport;
  const reportPath = reportPathOf(gateResultsDir, runId);
  try {
    const sha256 = reportSha256(bytes);
    await appendRegistryRow(root, gateResultsDir, (columns) => registryValues(written, reportPath, sha256, columns));
  } catch (error) {
    const registry = path.posix.join(gateResultsDir.replace(/\/+$/, ''), REGISTRY_FILE);
    throw asFileSystemError(
      error,
      registry,
      'append the run\'s row to',
      `the run finished (${written.overall_pass ? 'PASS' : 'FAIL'}) and its evidence is complete in ${runDir}/, but the registry is unchanged (no part of the row was kept): \`stagedocs registry --check\` reports the missing row, and \`stagedocs registry\` adds it from ${reportPath} once the file can be written`,
    );
  }
  return { report: written, runDir, reportPath, logDropped: log.dropped, logLimitBytes: config.gates.max_log_bytes };
}

/**
 * environment.json's record of where the run was made. The preflight is the host check itself, made
 * before any gate: `passed` (the runner has every label the gates need), `overridden` (it lacks some
 * and --allow-host ran them, unofficially) or `not-required` (no gate needs a label). A preflight
 * script of your own (a workstation's `preflight.sh`) is the stage's first gate; its result is in
 * report.json like every gate's.
 */
function runnerRecord(options: RunStageOptions) {
  const check = options.runner?.check ?? { required: [], labels: [], missing: [] };
  const preflight = check.required.length === 0 ? 'not-required' : check.missing.length === 0 ? 'passed' : 'overridden';
  return { labels: check.labels, labels_from: options.runner?.source ?? 'none', required: check.required, missing: check.missing, preflight };
}

/** What a run folder left without report.json means, for the messages of a run stopped by the file system. */
function unfinishedState(runDir: string, what: string): string {
  return `${what}. ${runDir}/ is left as an unfinished run (no report.json): \`stagedocs registry --check\` lists it as unfinished, and the next \`gate run\` of the stage counts it as a failed attempt (a rerun needs --decision)`;
}

/** Type-specific details, plus what the log cap dropped and, for a gate that did not pass, its last output lines. */
function detailsOf(details: Record<string, unknown> | undefined, dropped: number, tail: string[]): { details?: Record<string, unknown> } {
  const all = { ...details, ...(dropped > 0 ? { log_bytes_dropped: dropped } : {}), ...(tail.length > 0 ? { output_tail: tail } : {}) };
  return Object.keys(all).length > 0 ? { details: all } : {};
}
