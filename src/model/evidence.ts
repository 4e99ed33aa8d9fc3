import { compareStrings } from './diagnostic.js';
/**
 * The evidence contract: what `stagedocs gate run` writes into `gate_results/<run_id>/report.json`,
 * and what status, sign-off, trace and audit packs read back. One run is one folder, never rewritten.
 */
export const REPORT_FORMAT = 'stagedocs-gate-report/1';

/** `interrupted`: stagedocs was interrupted (SIGINT/SIGTERM) while the gate ran, and stopped its processes. */
export type GateOutcome = 'pass' | 'fail' | 'timeout' | 'error' | 'interrupted' | 'skipped';

/** The folder of a run that holds the kept artifacts, mirroring their repository paths. */
export const ARTIFACTS_DIR = 'artifacts';

/** A file a gate left that the run kept: copied to `artifacts/<path>` in the run folder. */
export interface KeptArtifact {
  /** Repository-relative path, also its path under the run folder's artifacts/. */
  path: string;
  /** sha256 of the bytes copied. */
  sha256: string;
  bytes: number;
}

/**
 * How a measured number reads: `%` a percentage (0 to 100), `ratio` a share (0 to 1, shown as a
 * percentage), `count` a number of things (files, requests), `number` a plain number (a metric gate's).
 */
export type MeasurementUnit = '%' | 'ratio' | 'count' | 'number';

/** One number a gate measured, with the target it was held to when the run was made. */
export interface GateMeasurement {
  /** What was measured, unique within the gate: `lines` (coverage), `stub_rate`, the metric's path. */
  name: string;
  value: number;
  unit: MeasurementUnit;
  /** The bounds that pass, as the gate had them; `{}` when it had none for this number. */
  target: { min?: number; max?: number };
  /** The value lay within the target. */
  met: boolean;
}

export interface GateResult {
  id: string;
  /** run | metric | no-stubs | produces | prd-trace */
  type: string;
  severity: 'blocking' | 'warning';
  outcome: GateOutcome;
  /** The command as run, for `run` and `metric` gates. */
  command?: string;
  exit_code?: number | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /** One line for humans: "exit 0", "coverage 64.2 < min 70", "3 of 120 files hold stubs (2.5%)". */
  summary: string;
  /** The measured value and its threshold, for measured requirements. */
  measured?: { value: number; min?: number; max?: number };
  /**
   * Every number the gate measured, one entry each (a coverage gate has one per metric of its `min`),
   * in the one shape trends read (audit/trends.ts). Absent in reports of older versions: read them
   * through `measurementsOf` (model/measurements.ts), which derives what their fields carry.
   */
  measurements?: GateMeasurement[];
  /** Type-specific details (worst files, unreferenced requirement ids, missing files). */
  details?: Record<string, unknown>;
  /** The files of the gate's `artifacts` globs, copied into the run folder, in path order. */
  artifacts?: KeptArtifact[];
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  /** `<stage-id>_<UTC timestamp>`, the folder name under gate_results/. */
  run_id: string;
  stage_id: string;
  stage_title: string;
  phase_id: string;
  /** Repository-relative path of the stage document. */
  stage_file: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  overall_pass: boolean;
  blocking_failures: number;
  warnings: number;
  decision_tag: string | null;
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  tool_version: string;
  gates: GateResult[];
  /** The gates chosen with `--gate`, when the run was limited to some; such a run does not prove the stage passed. */
  selected_gates?: string[];
  /**
   * The gates a `--gate` run ran only because a selected gate needs them (`needs`, transitively), in
   * stage order; absent when none was pulled in. `selected_gates` stays what the user asked for.
   */
  prerequisite_gates?: string[];
  /**
   * Set when stagedocs was interrupted during the run: the gates after the interrupted one did not
   * run, and the run does not pass. Such a run does not count as failed for the rerun policy.
   */
  interrupted?: boolean;
  /** The freeze verification, when the stage has a freeze file. */
  freeze?: { file: string; verified: boolean; changed: string[]; missing: string[] };
  /** The host check, when the stage or its gates need runner labels (`runs_on`). */
  runner?: RunnerCheck;
  /**
   * Set when `gate run --allow-host` ran gates on a runner without the labels they need: the run is
   * kept as evidence but never counts (progression, sign-off, status).
   */
  unofficial?: boolean;
}

/** The labels a run needed and the labels its runner had. */
export interface RunnerCheck {
  /** The labels the stage's and the run's gates need, sorted. */
  required: string[];
  /** The labels of the runner, sorted. */
  labels: string[];
  /** Required labels the runner lacks, sorted (empty: the run was made where it may run). */
  missing: string[];
}

/** Registry columns, in order (the contract's, first). */
export const REGISTRY_COLUMNS = [
  'run_id',
  'stage_id',
  'stage_title',
  'phase_id',
  'started_at',
  'finished_at',
  'duration_ms',
  'overall_pass',
  'blocking_failures',
  'warnings',
  'decision_tag',
  'commit',
  'dirty',
  'report_path',
  'report_sha256',
] as const;

export const REGISTRY_FILE = 'gate_registry.csv';

export interface RunFolder {
  /** The folder name, which is the run id. */
  runId: string;
  /** Repository-relative path of the folder. */
  dir: string;
  /** The parsed report, or undefined when the run never finished (killed mid-way) or it is unreadable. */
  report: RunReport | undefined;
  /** sha256 of the report.json bytes, when present. */
  reportSha256: string | undefined;
  /** Why the report could not be used, when it exists but is broken. */
  problem?: string;
}

/** The finished runs of one stage, oldest first (started_at, then run id). */
export function runsOfStage(runs: RunFolder[], stageId: string): RunReport[] {
  return [...(stageRunIndex(runs).get(stageId) ?? [])];
}

/**
 * Finished runs grouped by stage and sorted, built once per list of runs: `status` and `audit-pack`
 * ask for every stage's runs (and its dependencies'), which would otherwise scan all runs each time.
 */
const stageRunIndexes = new WeakMap<RunFolder[], { length: number; byStage: Map<string, RunReport[]> }>();

function stageRunIndex(runs: RunFolder[]): Map<string, RunReport[]> {
  const known = stageRunIndexes.get(runs);
  // Rebuilt if the list grew or shrank since (a caller appending a run).
  if (known && known.length === runs.length) return known.byStage;
  const byStage = new Map<string, RunReport[]>();
  for (const run of runs) {
    const report = run.report;
    if (report === undefined) continue;
    const list = byStage.get(report.stage_id);
    if (list) list.push(report);
    else byStage.set(report.stage_id, [report]);
  }
  for (const list of byStage.values()) list.sort((a, b) => compareStrings(a.started_at, b.started_at) || compareStrings(a.run_id, b.run_id));
  stageRunIndexes.set(runs, { length: runs.length, byStage });
  return byStage;
}

type RegistryProblemKind = 'missing' | 'extra' | 'edited' | 'sha-mismatch' | 'duplicate' | 'malformed' | 'header' | 'artifact-changed';

export interface RegistryProblem {
  kind: RegistryProblemKind;
  /** Repository-relative path of the registry file. */
  file: string;
  /** 1-based line in the registry (0 when the row is missing from it). */
  line: number;
  /** 1-based column (1: a problem is about a whole row). */
  column: number;
  runId: string;
  /** What is wrong, without the place (see `file`, `line`, `column`). */
  message: string;
}

/** `file:line: message` (`file: message` for a missing row), as `registry --check` prints a problem. */
export function describeRegistryProblem(problem: RegistryProblem): string {
  return `${problem.file}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.message}`;
}

export interface RegistryCheck {
  /** Repository-relative path of the registry file. */
  file: string;
  ok: boolean;
  problems: RegistryProblem[];
  /** Run folders without report.json: killed or still running. Not corruption. */
  unfinished: string[];
  /** Run folders whose report.json cannot be used (not JSON, wrong format). */
  unreadable: Array<{ runId: string; problem: string }>;
  /** True when every row is right but not in canonical order (concurrent runs, a union merge). */
  outOfOrder: boolean;
  rowCount: number;
}
