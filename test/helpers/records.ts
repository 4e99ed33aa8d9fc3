/**
 * Hand-written records for the history rules' tests (freeze-immutable, evidence-immutable,
 * registry-append-only): a freeze file and gate registry rows as literals, not as the code writes
 * them, so that the tests check the files against what they should be.
 */
export const FREEZE = 'freeze/P1-S00.freeze.json';
export const RUN_LOG = 'gate_results/P1-S00_20261121T090000Z/run.log';
export const REGISTRY = 'gate_results/gate_registry.csv';
export const HEADER = 'run_id,stage_id,stage_title,phase_id,started_at,finished_at,duration_ms,overall_pass,blocking_failures,warnings,decision_tag,commit,dirty,report_path,report_sha256\n';
export const ROW_1 = 'P1-S00_20261121T090000Z,P1-S00,Stage P1-S00,P1,2026-11-21T09:00:00Z,2026-11-21T09:00:01Z,1000,true,0,0,,abc,false,gate_results/P1-S00_20261121T090000Z/report.json,00\n';
export const ROW_2 = 'P1-S01_20261121T100000Z,P1-S01,Stage P1-S01,P1,2026-11-21T10:00:00Z,2026-11-21T10:00:01Z,1000,false,1,0,,abc,false,gate_results/P1-S01_20261121T100000Z/report.json,00\n';

/** A freeze file of P1-S00 whose scope is `{ dataset: scope }`. */
export const freezeFile = (scope: string) =>
  `${JSON.stringify({ stage: 'P1-S00', protocol_version: '1', created_at: '2026-11-21T09:00:00Z', scope: { dataset: scope }, inputs: {} }, null, 2)}\n`;
