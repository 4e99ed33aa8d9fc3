import { describe, expect, it } from 'vitest';
import { formatSeries, requirementTrends, trendLine } from '../../src/audit/trends.js';
import type { GateResult, RunReport } from '../../src/model/evidence.js';
import { measurementsOf } from '../../src/model/measurements.js';
import type { JudgedRun, RunDiscount, StageRuns } from '../../src/model/progression.js';
import { runReport } from '../helpers/evidence.js';

const gate = (fields: Partial<GateResult>): GateResult => ({
  id: 'g',
  type: 'run',
  severity: 'blocking',
  outcome: 'pass',
  started_at: '2026-11-21T10:00:00Z',
  finished_at: '2026-11-21T10:00:01Z',
  duration_ms: 1000,
  summary: 's',
  ...fields,
});

describe('measurementsOf: reports written before `measurements` existed', () => {
  it('derives every coverage metric from details.coverage and details.min, in metric order', () => {
    const old = gate({ id: 'cov', type: 'coverage', measured: { value: 71, min: 70 }, details: { file: 'c.json', format: 'istanbul', coverage: { branches: 40, lines: 71 }, min: { branches: 50, lines: 70 } } });
    expect(measurementsOf(old)).toEqual([
      { name: 'lines', value: 71, unit: '%', target: { min: 70 }, met: true },
      { name: 'branches', value: 40, unit: '%', target: { min: 50 }, met: false },
    ]);
  });

  it('derives the one number of the other gate types from measured, named as the gates name it now', () => {
    expect(measurementsOf(gate({ type: 'no-stubs', measured: { value: 0.1, max: 0.05 } }))).toEqual([{ name: 'stub_rate', value: 0.1, unit: 'ratio', target: { max: 0.05 }, met: false }]);
    expect(measurementsOf(gate({ type: 'metric', measured: { value: 3, min: 1, max: 5 }, details: { file: 'm.json', path: 'a.b' } }))).toEqual([{ name: 'a.b', value: 3, unit: 'number', target: { min: 1, max: 5 }, met: true }]);
    expect(measurementsOf(gate({ type: 'run', summary: 'coverage 64.2 < min 70' }))).toEqual([]);
  });
});

/** Judged runs of one stage from reports with one metric gate of these values (null: the gate ran and measured nothing). */
function judged(values: Array<{ value: number | null; discounts?: RunDiscount[] }>): StageRuns {
  const runs: JudgedRun[] = values.map(({ value, discounts = [] }, index) => {
    const at = `20261121T10${String(index).padStart(2, '0')}00Z`;
    const base = runReport({ stage: 'P1-S00', at, pass: true, gates: [{ id: 'm', outcome: value === null ? 'fail' : 'pass' }], commit: 'a'.repeat(40), phase: 'P1' });
    const report: RunReport = {
      ...base,
      gates: [gate({ id: 'm', type: 'metric', outcome: value === null ? 'fail' : 'pass', ...(value === null ? {} : { measurements: [{ name: 'score', value, unit: 'number', target: { min: 5 }, met: value >= 5 }] }) })],
    };
    return { folder: { runId: report.run_id, dir: `gate_results/${report.run_id}`, report, reportSha256: undefined }, report, discounts };
  });
  const counting = runs.filter((run) => run.discounts.length === 0);
  return { judged: runs, counting, last: counting.at(-1), passed: true, unfinished: [] };
}

describe('requirementTrends', () => {
  it('shows the newest ten values and says how many earlier ones are left out; JSON keeps them all', () => {
    const [trend] = requirementTrends(judged(Array.from({ length: 13 }, (_, index) => ({ value: index }))));
    expect(trend!.series).toHaveLength(13);
    expect(formatSeries(trend!)).toBe('(and 3 earlier) 3 -> 4 -> 5 -> 6 -> 7 -> 8 -> 9 -> 10 -> 11 -> 12');
    expect(trend).toMatchObject({ met: true, direction: 'up' });
  });

  it('judges the newest counting run only: an uncounted value does not make the requirement met', () => {
    const [trend] = requirementTrends(judged([{ value: 6 }, { value: 4 }, { value: 9, discounts: ['dirty', 'unverified'] }]));
    expect(trendLine(trend!)).toBe('m.score  6 -> 4 -> 9 (not counted: dirty, unverified)  (min 5: not met, down)');
  });

  it('a newest counting run that measured nothing is not met, whatever an older value was', () => {
    const [trend] = requirementTrends(judged([{ value: 7 }, { value: null }]));
    expect(trendLine(trend!)).toBe('m.score  7 -> n/a (fail)  (min 5: not measured)');
    expect(trend).toMatchObject({ met: false, direction: null, latest_counted: { value: null, outcome: 'fail' } });
  });
});
