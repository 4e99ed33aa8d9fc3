import type { CoverageMetric } from './documents.js';
import type { GateMeasurement, GateResult, MeasurementUnit } from './evidence.js';

/**
 * The numbers gates measure, in the one shape report.json records them (`GateResult.measurements`)
 * and trends read. The gates build them from what they measured (gates/requirements.ts, coverage.ts,
 * http.ts); reports written before the field existed are read through `measurementsOf`, which derives
 * the same entries from the fields those reports already carried (`measured`, `details`), never from
 * the summary's text.
 */

type Target = GateMeasurement['target'];
/** Bounds as a gate's spec has them (either may be absent). */
type Bounds = { min?: number | undefined; max?: number | undefined };

/** The value lies within the target's bounds (a target without bounds is always met). */
export function withinTarget(value: number, target: Target): boolean {
  return (target.min === undefined || value >= target.min) && (target.max === undefined || value <= target.max);
}

/** A measurement with `met` computed from its target, and no undefined bound left in the target. */
export function measurement(name: string, value: number, unit: MeasurementUnit, bounds: Bounds): GateMeasurement {
  const target: Target = { ...(bounds.min !== undefined ? { min: bounds.min } : {}), ...(bounds.max !== undefined ? { max: bounds.max } : {}) };
  return { name, value, unit, target, met: withinTarget(value, target) };
}

/**
 * The name and unit of the one number each of these gate types measures: the gates and the
 * derivation for older reports use the same entry, so a requirement keeps its name across versions.
 */
export const SINGLE_MEASUREMENT = {
  'no-stubs': { name: 'stub_rate', unit: 'ratio' },
  'prd-trace': { name: 'referenced', unit: 'ratio' },
  produces: { name: 'files_present', unit: 'count' },
  http: { name: 'requests_passed', unit: 'count' },
} as const satisfies Record<string, { name: string; unit: MeasurementUnit }>;

/** The measurement of a gate type that measures one number (`SINGLE_MEASUREMENT`). */
export function singleMeasurement(type: keyof typeof SINGLE_MEASUREMENT, value: number, bounds: Bounds): GateMeasurement {
  const { name, unit } = SINGLE_MEASUREMENT[type];
  return measurement(name, value, unit, bounds);
}

/** The name of a metric gate's measurement: the dotted path it read (`total.lines.pct`). */
export function metricMeasurement(path: string, value: number, bounds: Bounds): GateMeasurement {
  return measurement(path, value, 'number', bounds);
}

/** The metrics a coverage report may carry, in the order gates compare and report them. */
export const COVERAGE_METRICS: readonly CoverageMetric[] = ['lines', 'branches', 'functions', 'statements'];

/** A coverage gate's measurements: one per metric of its `min` that the report carried, in `COVERAGE_METRICS` order. */
export function coverageMeasurements(found: Readonly<Record<string, number | undefined>>, min: Readonly<Record<string, number | undefined>>): GateMeasurement[] {
  return COVERAGE_METRICS.filter((metric) => min[metric] !== undefined && typeof found[metric] === 'number').map((metric) => measurement(metric, found[metric]!, '%', { min: min[metric] }));
}

const isNumberRecord = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'number' && Number.isFinite(entry));

/**
 * The measurements of a gate result: as recorded, or, for a report written before `measurements`
 * existed, derived from its `measured` and `details` (a coverage gate's `details.coverage` and
 * `details.min` hold every metric). A result that recorded no number has none.
 */
export function measurementsOf(result: GateResult): GateMeasurement[] {
  if (Array.isArray(result.measurements)) return result.measurements;
  const details = result.details ?? {};
  if (result.type === 'coverage' && isNumberRecord(details.coverage) && isNumberRecord(details.min)) {
    return coverageMeasurements(details.coverage, details.min);
  }
  const measured = result.measured;
  if (!measured || typeof measured.value !== 'number') return [];
  const bounds = { min: measured.min, max: measured.max };
  if (result.type in SINGLE_MEASUREMENT) return [singleMeasurement(result.type as keyof typeof SINGLE_MEASUREMENT, measured.value, bounds)];
  if (result.type === 'metric' && typeof details.path === 'string') return [metricMeasurement(details.path, measured.value, bounds)];
  return [measurement('value', measured.value, 'number', bounds)];
}

/** `74%`, `2.5%` (a ratio of 0.025), `3`: a value as its unit reads, rounded to two decimals. */
export function formatMeasuredValue(value: number, unit: MeasurementUnit): string {
  const shown = unit === 'ratio' ? value * 100 : value;
  const text = String(Math.round(shown * 100) / 100);
  return unit === 'ratio' || unit === '%' ? `${text}%` : text;
}

/** `min 70`, `max 5%`, `min 70, max 90`, or `no target`. */
export function formatTarget(target: GateMeasurement['target'] | null, unit: MeasurementUnit): string {
  const parts = [
    target?.min !== undefined ? `min ${formatMeasuredValue(target.min, unit)}` : '',
    target?.max !== undefined ? `max ${formatMeasuredValue(target.max, unit)}` : '',
  ].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(', ') : 'no target';
}
