import path from 'node:path';
import type { CoverageMetric, GateSpec } from '../model/documents.js';
import { readWrittenFile } from './written-file.js';
import type { GateMeasurement } from '../model/evidence.js';
import { COVERAGE_METRICS, coverageMeasurements } from '../model/measurements.js';
import { describeEscape, pathEscape } from '../util/inside-root.js';

/**
 * The `coverage` gate: reads a standard coverage report and holds each metric to its minimum. The
 * three formats test runners write: istanbul's json-summary (coverage-summary.json: vitest, jest,
 * c8, nyc), an lcov tracefile (lcov.info: the same tools, node --test, gcov, cargo-llvm-cov) and
 * Cobertura XML (coverage.xml: coverage.py, gcovr, cargo-tarpaulin, JaCoCo converters).
 */

type CoverageFormat = 'istanbul' | 'lcov' | 'cobertura';
/** Percent per metric, for the metrics the report carries. */
type Percentages = Partial<Record<CoverageMetric, number>>;

const METRICS = COVERAGE_METRICS;

export function coverageFormatOf(file: string, declared: CoverageFormat | undefined): CoverageFormat {
  if (declared) return declared;
  const extension = path.extname(file).toLowerCase();
  return extension === '.json' ? 'istanbul' : extension === '.xml' ? 'cobertura' : 'lcov';
}

/** Rounded to two decimals, as reports print percentages: 66.666... compares as 66.67. */
const percentOf = (covered: number, total: number) => (total === 0 ? 100 : Math.round((covered / total) * 10000) / 100);

/** istanbul json-summary: `total.<metric>.pct` (a report of no code says "Unknown": counted as 100). */
function readIstanbul(text: string): Percentages {
  const data = JSON.parse(text) as { total?: Record<string, { pct?: unknown; total?: unknown; covered?: unknown }> };
  if (!data || typeof data !== 'object' || !data.total || typeof data.total !== 'object') throw new Error('it has no `total` object, expected istanbul json-summary');
  const found: Percentages = {};
  for (const metric of METRICS) {
    const entry = data.total[metric];
    if (!entry) continue;
    if (typeof entry.pct === 'number') found[metric] = entry.pct;
    else if (typeof entry.total === 'number' && typeof entry.covered === 'number') found[metric] = percentOf(entry.covered, entry.total);
  }
  return found;
}

/** lcov: the sums of LF/LH (lines), BRF/BRH (branches), FNF/FNH (functions) over every file record. */
function readLcov(text: string): Percentages {
  const sums: Record<string, number> = { LF: 0, LH: 0, BRF: 0, BRH: 0, FNF: 0, FNH: 0 };
  let records = 0;
  for (const line of text.split(/\r?\n/)) {
    const match = /^(LF|LH|BRF|BRH|FNF|FNH):(\d+)\s*$/.exec(line);
    if (match) sums[match[1]!]! += Number(match[2]);
    else if (line.startsWith('SF:')) records += 1;
  }
  if (records === 0) throw new Error('it has no `SF:` record, expected an lcov tracefile');
  return { lines: percentOf(sums.LH!, sums.LF!), branches: percentOf(sums.BRH!, sums.BRF!), functions: percentOf(sums.FNH!, sums.FNF!) };
}

/**
 * Cobertura: the `line-rate` and `branch-rate` attributes (0 to 1) of the root `<coverage>` element;
 * nothing else of the document is needed, so this reads only the root's start tag, strictly: an
 * XML declaration, comments and a doctype may come first, then `<coverage` must.
 */
function readCobertura(text: string): Percentages {
  const root = /^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)\s*)*<coverage(\s[^>]*)?\/?>/.exec(text);
  if (!root) throw new Error('its root element is not `<coverage>`, expected Cobertura XML');
  const attributes = new Map<string, string>();
  for (const match of (root[1] ?? '').matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes.set(match[1]!, match[2] ?? match[3] ?? '');
  const found: Percentages = {};
  for (const [metric, attribute] of [['lines', 'line-rate'], ['branches', 'branch-rate']] as const) {
    const value = attributes.get(attribute);
    if (value === undefined) continue;
    const rate = Number(value);
    if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error(`\`${attribute}="${value}"\` is not a rate between 0 and 1`);
    found[metric] = Math.round(rate * 10000) / 100;
  }
  return found;
}

const READERS: Record<CoverageFormat, (text: string) => Percentages> = { istanbul: readIstanbul, lcov: readLcov, cobertura: readCobertura };

type Measurement = { outcome: 'pass' | 'fail' | 'error'; summary: string; measured?: { value: number; min?: number }; measurements?: GateMeasurement[]; details?: Record<string, unknown> };

/**
 * Reads the report and compares every metric of `min`. `measured` carries the first metric of `min`
 * (kept for readers of older reports); `measurements` and details carry them all. When the gate has a command, the report must
 * have been written by it (`readWrittenFile`).
 */
export async function measureCoverage(gate: GateSpec, root: string, commandStarted: number | undefined): Promise<Measurement> {
  const spec = gate.coverage;
  if (!spec || Object.keys(spec.min ?? {}).length === 0) return { outcome: 'error', summary: 'a `coverage` gate needs `coverage: { file, min: { lines | branches | functions | statements } }`' };
  const escape = pathEscape(root, spec.file);
  if (escape) return { outcome: 'fail', summary: `coverage report \`${spec.file}\` ${describeEscape(escape)}, expected a path inside the repository; nothing outside it was read`, details: { outside_repository: [spec.file] } };
  const format = coverageFormatOf(spec.file, spec.format);
  const read = await readWrittenFile(root, spec.file, commandStarted);
  if ('staleSince' in read) return { outcome: 'fail', summary: `coverage report ${spec.file} was not written by the command (last modified ${read.staleSince}, before the gate started)`, details: { file: spec.file } };
  if ('missing' in read) return { outcome: 'fail', summary: `coverage report ${spec.file} does not exist${gate.run !== undefined ? ' (the command should write it)' : ''}`, details: { file: spec.file } };
  const text = read.text;
  let found: Percentages;
  try {
    found = READERS[format](text);
  } catch (error) {
    return { outcome: 'fail', summary: `coverage report ${spec.file} cannot be read as ${format}: ${(error as Error).message}`, details: { file: spec.file, format } };
  }
  const wanted = METRICS.filter((metric) => spec.min[metric] !== undefined);
  const missing = wanted.filter((metric) => found[metric] === undefined);
  const below = wanted.filter((metric) => found[metric] !== undefined && found[metric]! < spec.min[metric]!);
  const parts = wanted.map((metric) => (found[metric] === undefined ? `${metric} not in the report` : `${metric} ${found[metric]}% ${found[metric]! < spec.min[metric]! ? '<' : '>='} min ${spec.min[metric]}%`));
  const first = wanted[0]!;
  return {
    outcome: missing.length === 0 && below.length === 0 ? 'pass' : 'fail',
    summary: `${format} ${spec.file}: ${parts.join(', ')}`,
    ...(found[first] !== undefined ? { measured: { value: found[first]!, min: spec.min[first]! } } : {}),
    measurements: coverageMeasurements(found, spec.min),
    details: { file: spec.file, format, coverage: found, min: spec.min, ...(below.length > 0 ? { below } : {}), ...(missing.length > 0 ? { missing } : {}) },
  };
}
