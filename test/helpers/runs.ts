import { createHash } from 'node:crypto';
import type { GateResult, RunReport } from '../../src/model/evidence.js';
import { runReport } from './evidence.js';

/**
 * A finished gate run folder written by hand (report.json, report.md, run.log), with the report built
 * by `runReport` of evidence.ts, following the report.json contract of src/model/evidence.ts exactly.
 * Returns tree entries and the sha256 of the report bytes.
 */
export function runFolder(options: {
  stageId: string;
  timestamp: string;
  commit: string | null;
  gates: Array<{ id: string; outcome: GateResult['outcome']; severity?: GateResult['severity'] }>;
  gateResults?: string;
}): { files: Record<string, string>; runId: string; reportSha256: string; report: RunReport } {
  const gates = options.gates.map((gate) => ({ ...gate, severity: gate.severity ?? 'blocking' }));
  const report = runReport({
    stage: options.stageId,
    at: options.timestamp,
    pass: gates.every((gate) => gate.severity !== 'blocking' || gate.outcome === 'pass'),
    gates,
    commit: options.commit,
    phase: options.stageId.split('-')[0]!,
  });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const dir = `${options.gateResults ?? 'gate_results'}/${report.run_id}`;
  return {
    files: { [`${dir}/report.json`]: text, [`${dir}/run.log`]: 'ok\n', [`${dir}/report.md`]: `# ${report.run_id}\n` },
    runId: report.run_id,
    reportSha256: createHash('sha256').update(text).digest('hex'),
    report,
  };
}
