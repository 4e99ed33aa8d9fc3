import type { GateMeasurement, GateOutcome, MeasurementUnit } from '../model/evidence.js';
import { formatMeasuredValue, formatTarget, measurementsOf } from '../model/measurements.js';
import type { JudgedRun, RunDiscount, StageRuns } from '../model/progression.js';

/**
 * A measured requirement's value across a stage's runs: what `status --stage` and the audit pack
 * show, computed once here from the runs as model/progression.ts judged them. Every finished run in
 * which the requirement's gate has a result is a point, counted or not: a run that does not count is
 * kept and marked with why (`74 (not counted: dirty)`), so a reviewer sees it and that it was not
 * believed. Whether the requirement is met and where it is heading are read from counting runs only.
 */

/** One run's value of a requirement. */
export interface TrendPoint {
  run_id: string;
  commit: string | null;
  finished_at: string;
  /** The measured value; null when the gate ran but did not measure it (a missing report, a skipped gate). */
  value: number | null;
  /** The bounds it was held to in that run; null without a value. */
  target: GateMeasurement['target'] | null;
  /** The value met its target in that run; false without a value. */
  met: boolean;
  /** How the gate ended in that run. */
  outcome: GateOutcome;
  /** The run counts (model/progression.ts): only counting runs decide `met` and `direction`. */
  counts: boolean;
  /** Why the run does not count (empty when it counts). */
  not_counted: RunDiscount[];
}

/** `up`, `down` or `flat`: the newest counted value against the counted value before it. */
export type TrendDirection = 'up' | 'down' | 'flat';

export interface RequirementTrend {
  /** The gate's id, and the measurement's name within it: together they name the requirement. */
  gate: string;
  name: string;
  unit: MeasurementUnit;
  /** Every run with a result of the gate, oldest first. */
  series: TrendPoint[];
  /** The newest counting run's point; null when no counting run has a result of the gate. */
  latest_counted: TrendPoint | null;
  /** The target of the newest counting run's value, else of the newest value; null when nothing was measured. */
  target: GateMeasurement['target'] | null;
  /** The newest counting run measured the requirement and met its target. */
  met: boolean;
  /** Against the counted value before it; null with fewer than two counted values. */
  direction: TrendDirection | null;
}

/**
 * The trend of every requirement the stage's runs measured, from its judged runs (oldest first).
 * Requirements are in the order the newest run measuring them lists them (its gates, then their
 * measurements), newest runs first: the stage's current gates come before gates it no longer has.
 */
export function requirementTrends(runs: StageRuns): RequirementTrend[] {
  const judged = runs.judged;
  const keys: Array<{ gate: string; name: string }> = [];
  const known = new Set<string>();
  for (const run of [...judged].reverse()) {
    for (const result of run.report.gates) {
      for (const measured of measurementsOf(result)) {
        const key = requirementKey(result.id, measured.name);
        if (known.has(key)) continue;
        known.add(key);
        keys.push({ gate: result.id, name: measured.name });
      }
    }
  }
  return keys.map(({ gate, name }) => trendOf(judged, gate, name));
}

/** `coverage.lines`: how the requirement is named in text. */
export function requirementLabel(trend: Pick<RequirementTrend, 'gate' | 'name'>): string {
  return `${trend.gate}.${trend.name}`;
}

function requirementKey(gate: string, name: string): string {
  return JSON.stringify([gate, name]);
}

function trendOf(judged: readonly JudgedRun[], gate: string, name: string): RequirementTrend {
  let unit: MeasurementUnit | undefined;
  const series: TrendPoint[] = [];
  for (const run of judged) {
    const result = run.report.gates.find((candidate) => candidate.id === gate);
    if (!result) continue;
    const measured = measurementsOf(result).find((candidate) => candidate.name === name);
    if (measured) unit = measured.unit;
    series.push({
      run_id: run.report.run_id,
      commit: run.report.commit,
      finished_at: run.report.finished_at,
      value: measured?.value ?? null,
      target: measured?.target ?? null,
      met: measured?.met ?? false,
      outcome: result.outcome,
      counts: run.discounts.length === 0,
      not_counted: [...run.discounts],
    });
  }
  const counted = series.filter((point) => point.counts);
  const latest = counted.at(-1) ?? null;
  const previous = counted.at(-2);
  const target = latest?.target ?? [...series].reverse().find((point) => point.target !== null)?.target ?? null;
  return { gate, name, unit: unit ?? 'number', series, latest_counted: latest, target, met: latest?.met === true, direction: directionOf(latest?.value, previous?.value) };
}

function directionOf(latest: number | null | undefined, previous: number | null | undefined): TrendDirection | null {
  if (typeof latest !== 'number' || typeof previous !== 'number') return null;
  return latest > previous ? 'up' : latest < previous ? 'down' : 'flat';
}

/** How many of the newest points the markdown and terminal views show; JSON carries every one. */
export const TREND_POINTS_SHOWN = 10;

/** `74`, `n/a (fail)` without a value, then ` (not counted: dirty)` for a run that does not count. */
export function formatTrendPoint(point: TrendPoint, unit: MeasurementUnit): string {
  const value = point.value === null ? `n/a (${point.outcome})` : formatMeasuredValue(point.value, unit);
  return point.counts ? value : `${value} (not counted: ${point.not_counted.join(', ')})`;
}

/** What the newest counting run says: `met`, `not met`, `not measured` or `no counted run`. */
export function verdictText(trend: RequirementTrend): string {
  if (!trend.latest_counted) return 'no counted run';
  if (trend.latest_counted.value === null) return 'not measured';
  return trend.met ? 'met' : 'not met';
}

/**
 * The newest `TREND_POINTS_SHOWN` points, oldest first, joined by ` -> `, with `(and K earlier)`
 * before them when older points are cut: `68% -> 71% -> 74%`.
 */
export function formatSeries(trend: RequirementTrend, shown = TREND_POINTS_SHOWN): string {
  const cut = Math.max(0, trend.series.length - shown);
  const values = trend.series.slice(cut).map((point) => formatTrendPoint(point, trend.unit));
  return `${cut > 0 ? `(and ${cut} earlier) ` : ''}${values.join(' -> ')}`;
}

/** One line per requirement: `coverage.lines  68% -> 71% -> 74%  (min 70%: met, up)`. */
export function trendLine(trend: RequirementTrend): string {
  const target = formatTarget(trend.target, trend.unit);
  const direction = trend.direction ? `, ${trend.direction}` : '';
  return `${requirementLabel(trend)}  ${formatSeries(trend)}  (${target}: ${verdictText(trend)}${direction})`;
}

/** A requirement as a row of the markdown views (the audit pack's stage section, `status --stage --format md`); plain text, escaped by the renderer. */
export interface TrendRow {
  requirement: string;
  values: string;
  target: string;
  verdict: string;
  direction: string;
}

export function trendRow(trend: RequirementTrend): TrendRow {
  return { requirement: requirementLabel(trend), values: formatSeries(trend), target: formatTarget(trend.target, trend.unit), verdict: verdictText(trend), direction: trend.direction ?? 'n/a' };
}
