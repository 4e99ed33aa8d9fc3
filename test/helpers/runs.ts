import { createHash } from 'node:crypto';
import { REPORT_FORMAT, type GateResult, type RunReport } from '../../src/model/evidence.js';

/**
 * A finished gate run folder written by hand, following the report.json contract of
 * src/model/evidence.ts exactly (the real `gate run` is built elsewhere). Returns tree entries and the
 * sha256 of the report bytes.
 */
export function runFolder(options: {
  stageId: string;
  timestamp: string;
  commit: string | null;
  gates: Array<{ id: string; outcome: GateResult['outcome']; severity?: GateResult['severity'] }>;
  gateResults?: string;
}): { files: Record<string, string>; runId: string; reportSha256: string; report: RunReport } {
  const runId = `${options.stageId}_${options.timestamp}`;
  const started = '2026-11-21T09:00:00Z';
  const gates: GateResult[] = options.gates.map((gate) => ({
    id: gate.id,
    type: 'run',
    severity: gate.severity ?? 'blocking',
    outcome: gate.outcome,
    command: 'true',
    exit_code: gate.outcome === 'pass' ? 0 : 1,
    started_at: started,
    finished_at: started,
    duration_ms: 5,
    summary: gate.outcome === 'pass' ? 'exit 0' : 'exit 1',
  }));
  const blockingFailures = gates.filter((gate) => gate.severity === 'blocking' && gate.outcome !== 'pass').length;
  const report: RunReport = {
    format: REPORT_FORMAT,
    run_id: runId,
    stage_id: options.stageId,
    stage_title: `Stage ${options.stageId}`,
    phase_id: options.stageId.split('-')[0]!,
    stage_file: 'stages/mvp/00-foundation.md',
    started_at: started,
    finished_at: started,
    duration_ms: 5,
    overall_pass: blockingFailures === 0,
    blocking_failures: blockingFailures,
    warnings: gates.filter((gate) => gate.severity === 'warning' && gate.outcome !== 'pass').length,
    decision_tag: null,
    commit: options.commit,
    branch: 'main',
    dirty: false,
    tool_version: '0.1.0',
    gates,
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const dir = `${options.gateResults ?? 'gate_results'}/${runId}`;
  return {
    files: { [`${dir}/report.json`]: text, [`${dir}/run.log`]: 'ok\n', [`${dir}/report.md`]: `# ${runId}\n` },
    runId,
    reportSha256: createHash('sha256').update(text).digest('hex'),
    report,
  };
}
