/**
 * The evidence contract: what `stagedocs gate run` writes into `gate_results/<run_id>/report.json`,
 * and what status, sign-off, trace and audit packs read back. One run is one folder, never rewritten.
 */
export const REPORT_FORMAT = 'stagedocs-gate-report/1';

export type GateOutcome = 'pass' | 'fail' | 'timeout' | 'error';

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
  /** Type-specific details (worst files, unreferenced requirement ids, missing files). */
  details?: Record<string, unknown>;
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
  /** The freeze verification, when the stage has a freeze file. */
  freeze?: { file: string; verified: boolean; changed: string[]; missing: string[] };
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
