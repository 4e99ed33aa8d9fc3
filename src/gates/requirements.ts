import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gateType, type GateSpec, type StageFrontmatter } from '../model/documents.js';
import type { GateResult } from '../model/evidence.js';
import { describeEscape, globEscape, pathEscape } from '../util/inside-root.js';
import type { ProcessResult } from './process.js';
import { DEFAULT_TEST_GLOBS, requirementIds, traceRequired } from './prd-trace.js';
import { matchFiles, scanForStubs, worstFiles } from './stubs.js';
import { buildCommand, missingBuild } from './build.js';
import { measureCoverage } from './coverage.js';
import { measureHttp } from './http.js';
import { readWrittenFile } from './written-file.js';
import { metricMeasurement, singleMeasurement } from '../model/measurements.js';

/** What a measured requirement concluded; timing is added by the runner. */
type Measurement = Pick<GateResult, 'outcome' | 'summary' | 'measured' | 'measurements' | 'details'>;

interface RequirementContext {
  root: string;
  stage: StageFrontmatter;
  /**
   * Runs a command of the gate and returns how it ended; `stop` ends it early (an http gate's server
   * once the requests are sent), like a timeout ends it.
   */
  runCommand(command: string, stop?: AbortSignal): Promise<ProcessResult>;
  /** The last lines (redacted) the gate's commands printed so far. */
  outputTail(): string[];
}

/** How many of a failed build's last lines its summary quotes (report.json keeps more in output_tail). */
const BUILD_SUMMARY_LINES = 5;

/** How many files with stubs report.json lists with every stub line (worst lists the ten with most). */
const MAX_LISTED_STUB_FILES = 100;

const percent = (rate: number) => `${(rate * 100).toFixed(1).replace(/\.0$/, '')}%`;

/**
 * A requirement that names a path outside the repository fails before anything is read: a blocking
 * metric must not pass on a file the repository does not hold, nor outside content reach the evidence.
 */
function outsideRepository(field: string, written: string, escape: ReturnType<typeof pathEscape>): Measurement | undefined {
  if (!escape) return undefined;
  return {
    outcome: 'fail',
    summary: `${field} \`${written}\` ${describeEscape(escape)}, expected a path inside the repository; nothing outside it was read`,
    details: { outside_repository: [written] },
  };
}

/** The first include glob that leaves the repository, as a failed measurement. */
function globOutsideRepository(root: string, field: string, globs: readonly string[]): Measurement | undefined {
  for (const glob of globs) {
    const failure = outsideRepository(field, glob, globEscape(root, glob));
    if (failure) return failure;
  }
  return undefined;
}

/** Matched files that resolve outside the repository (a symlink inside an included folder), as a failed measurement. */
function matchesOutsideRepository(root: string, files: readonly string[]): Measurement | undefined {
  const outside = files.filter((file) => pathEscape(root, file) !== undefined);
  if (outside.length === 0) return undefined;
  const first = pathEscape(root, outside[0]!)!;
  return {
    outcome: 'fail',
    summary: `${outside.length} matched file${outside.length === 1 ? '' : 's'} resolve outside the repository (\`${outside[0]}\` ${describeEscape(first)}); nothing outside it was read`,
    details: { outside_repository: outside.slice(0, 20) },
  };
}

/** The outcome of a finished command against `expect_exit`, or undefined when it met it. */
function commandFailure(gate: GateSpec, result: ProcessResult): Measurement | undefined {
  const expected = gate.expect_exit ?? 0;
  if (result.spawnError) return { outcome: 'error', summary: `the shell could not start: ${result.spawnError}` };
  if (result.interrupted) return { outcome: 'interrupted', summary: 'interrupted: stagedocs was stopped (SIGINT/SIGTERM) and stopped every process of the gate' };
  if (result.timedOut) return { outcome: 'timeout', summary: `timed out; every process of the gate was stopped` };
  if (result.exitCode === null) return { outcome: 'fail', summary: `killed by ${result.signal ?? 'a signal'}, expected exit ${expected}` };
  if (result.exitCode !== expected) return { outcome: 'fail', summary: `exit ${result.exitCode}, expected ${expected}` };
  return undefined;
}

/**
 * Runs the gate's command, when it has one, then measures its requirement. A command that fails or
 * times out decides the outcome before anything is measured.
 */
export async function evaluateRequirement(gate: GateSpec, context: RequirementContext): Promise<Measurement & { exit_code?: number | null }> {
  if (gateType(gate) === 'build') return runBuild(gate, context);
  let exitCode: number | null | undefined;
  const commandStarted = Date.now();
  if (gate.run !== undefined) {
    const result = await context.runCommand(gate.run);
    exitCode = result.exitCode;
    const failure = commandFailure(gate, result);
    if (failure) return { ...failure, exit_code: exitCode };
  }
  const measured = await measure(gate, context, exitCode, gate.run !== undefined ? commandStarted : undefined);
  return exitCode === undefined ? measured : { ...measured, exit_code: exitCode };
}

async function measure(gate: GateSpec, context: RequirementContext, exitCode: number | null | undefined, commandStarted: number | undefined): Promise<Measurement> {
  switch (gateType(gate)) {
    case 'run':
      if (gate.run === undefined) return { outcome: 'error', summary: 'a `run` gate needs a `run` command' };
      return { outcome: 'pass', summary: `exit ${exitCode}` };
    case 'metric':
      return measureMetric(gate, context.root, commandStarted);
    case 'no-stubs':
      return measureStubs(gate, context.root);
    case 'produces':
      return measureProduces(gate, context);
    case 'prd-trace':
      return measureTrace(gate, context.root);
    case 'coverage':
      return measureCoverage(gate, context.root, commandStarted);
    case 'http':
      return measureHttp(gate, (command, stop) => context.runCommand(command, stop));
    case 'build':
      // Handled before any command runs (evaluateRequirement): a build is its own command.
      return { outcome: 'error', summary: 'a `build` gate is run by runBuild' };
  }
}

/** A build gate: refuses a project without the build (no manifest, no script), else runs the tool's command. */
async function runBuild(gate: GateSpec, context: RequirementContext): Promise<Measurement & { exit_code?: number | null }> {
  const missing = await missingBuild(gate, context.root);
  if (missing) return { outcome: 'fail', summary: missing };
  const command = buildCommand(gate)!;
  const result = await context.runCommand(command);
  const failure = commandFailure(gate, result);
  if (!failure) return { outcome: 'pass', summary: `\`${command}\` exit 0`, exit_code: result.exitCode, details: { command } };
  const last = context.outputTail().slice(-BUILD_SUMMARY_LINES);
  return { ...failure, summary: `build \`${command}\` ${failure.summary}${last.length > 0 ? `; last lines: ${last.join(' | ')}` : ''}`, exit_code: result.exitCode, details: { command } };
}

/** Reads `a.b.0.c` from parsed JSON; undefined when any step is missing. */
export function valueAtPath(data: unknown, dotted: string): unknown {
  let current: unknown = data;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Reads the metric from the file the command wrote (`readWrittenFile`). */
async function measureMetric(gate: GateSpec, root: string, commandStarted: number | undefined): Promise<Measurement> {
  const metric = gate.metric;
  if (!metric) return { outcome: 'error', summary: 'a `metric` gate needs `metric: { file, path, min | max }`' };
  const outside = outsideRepository('metric file', metric.file, pathEscape(root, metric.file));
  if (outside) return outside;
  const read = await readWrittenFile(root, metric.file, commandStarted);
  if ('staleSince' in read) {
    return { outcome: 'fail', summary: `metric file ${metric.file} was not written by the command (last modified ${read.staleSince}, before the gate started)`, details: { file: metric.file } };
  }
  if ('missing' in read) return { outcome: 'fail', summary: `metric file ${metric.file} does not exist (the command should write it)`, details: { file: metric.file } };
  const text = read.text;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { outcome: 'fail', summary: `metric file ${metric.file} is not valid JSON: ${(error as Error).message}`, details: { file: metric.file } };
  }
  const value = valueAtPath(data, metric.path);
  if (value === undefined) return { outcome: 'fail', summary: `metric file ${metric.file} has no value at \`${metric.path}\``, details: { file: metric.file, path: metric.path } };
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { outcome: 'fail', summary: `\`${metric.path}\` in ${metric.file} is ${JSON.stringify(value)?.slice(0, 40)}, expected a number`, details: { file: metric.file, path: metric.path } };
  }
  const measured = { value, ...(metric.min !== undefined ? { min: metric.min } : {}), ...(metric.max !== undefined ? { max: metric.max } : {}) };
  const details = { file: metric.file, path: metric.path };
  const measurements = [metricMeasurement(metric.path, value, metric)];
  if (metric.min !== undefined && value < metric.min) return { outcome: 'fail', summary: `${metric.path} ${value} < min ${metric.min}`, measured, measurements, details };
  if (metric.max !== undefined && value > metric.max) return { outcome: 'fail', summary: `${metric.path} ${value} > max ${metric.max}`, measured, measurements, details };
  const bounds = [metric.min !== undefined ? `>= min ${metric.min}` : '', metric.max !== undefined ? `<= max ${metric.max}` : ''].filter(Boolean).join(', ');
  return { outcome: 'pass', summary: `${metric.path} ${value}${bounds ? ` ${bounds}` : ''}`, measured, measurements, details };
}

async function measureStubs(gate: GateSpec, root: string): Promise<Measurement> {
  if (!gate.include || gate.include.length === 0) return { outcome: 'error', summary: 'a `no-stubs` gate needs `include` globs' };
  const outsideGlob = globOutsideRepository(root, 'include', gate.include);
  if (outsideGlob) return outsideGlob;
  const files = await matchFiles(root, gate.include, gate.exclude);
  const outsideMatch = matchesOutsideRepository(root, files);
  if (outsideMatch) return outsideMatch;
  const scan = await scanForStubs(root, files);
  const maxRate = gate.max_rate ?? 0;
  if (scan.scanned === 0) {
    return { outcome: 'fail', summary: `no file matched ${gate.include.join(', ')}: nothing to check is not a pass`, details: { include: gate.include, skipped: scan.skipped } };
  }
  const rate = scan.files.length / scan.scanned;
  const worst = worstFiles(scan);
  const summary = `${scan.files.length} of ${scan.scanned} files hold stubs (${percent(rate)}), max ${percent(maxRate)}`;
  return {
    outcome: rate <= maxRate ? 'pass' : 'fail',
    summary: worst[0] ? `${summary}; worst: ${worst[0].file} (${worst[0].count})` : summary,
    measured: { value: rate, max: maxRate },
    measurements: [singleMeasurement('no-stubs', rate, { max: maxRate })],
    details: { scanned: scan.scanned, with_stubs: scan.files.length, worst, files: scan.files.slice(0, MAX_LISTED_STUB_FILES), skipped: scan.skipped, allowed_lines: scan.allowed },
  };
}

async function measureProduces(gate: GateSpec, context: RequirementContext): Promise<Measurement> {
  const declared = gate.files ?? context.stage.produces ?? [];
  if (declared.length === 0) return { outcome: 'error', summary: 'a `produces` gate needs `files`, or the stage needs `produces`' };
  const field = gate.files ? 'files' : 'produces';
  const outsideGlob = globOutsideRepository(context.root, field, declared);
  if (outsideGlob) return outsideGlob;
  const missing: string[] = [];
  // Loaded here, not with the module: validate imports this module and never expands globs.
  const { glob, isDynamicPattern } = await import('tinyglobby');
  for (const entry of declared) {
    // A file reached through a symlink that leaves the repository is not one the stage produced.
    const found = isDynamicPattern(entry)
      ? (await glob([entry], { cwd: context.root, onlyFiles: true, dot: true, ignore: ['.git/**'] })).some((match) => pathEscape(context.root, match) === undefined)
      : pathEscape(context.root, entry) === undefined &&
        (await readFile(path.join(context.root, entry)).then(
          () => true,
          () => false,
        ));
    if (!found) missing.push(entry);
  }
  const present = declared.length - missing.length;
  return {
    outcome: missing.length === 0 ? 'pass' : 'fail',
    summary: missing.length === 0 ? `all ${declared.length} declared files exist` : `${present} of ${declared.length} declared files exist; missing: ${missing.join(', ')}`,
    measured: { value: present, min: declared.length },
    measurements: [singleMeasurement('produces', present, { min: declared.length })],
    details: { declared, missing },
  };
}

async function measureTrace(gate: GateSpec, root: string): Promise<Measurement> {
  if (!gate.document || !gate.include || gate.include.length === 0) return { outcome: 'error', summary: 'a `prd-trace` gate needs `document` and `include` globs' };
  const outside = outsideRepository('requirements document', gate.document, pathEscape(root, gate.document)) ?? globOutsideRepository(root, 'include', gate.include) ?? globOutsideRepository(root, 'tests', gate.tests ?? []);
  if (outside) return outside;
  let text: string;
  try {
    text = await readFile(path.join(root, gate.document), 'utf8');
  } catch {
    return { outcome: 'fail', summary: `requirements document ${gate.document} does not exist`, details: { document: gate.document } };
  }
  const ids = requirementIds(text);
  if (ids.length === 0) {
    return { outcome: 'fail', summary: `${gate.document} lists no requirement ids (such as REQ-12): nothing to trace is not a pass`, details: { document: gate.document } };
  }
  // The document lists every id, so it never counts as a reference.
  const notDocument = (file: string) => file !== gate.document;
  const tests = new Set((await matchFiles(root, gate.tests ?? DEFAULT_TEST_GLOBS, gate.exclude)).filter(notDocument));
  const code = (await matchFiles(root, gate.include, gate.exclude)).filter((file) => notDocument(file) && !tests.has(file));
  const outsideMatch = matchesOutsideRepository(root, [...code, ...tests]);
  if (outsideMatch) return outsideMatch;
  const require = gate.require ?? ['code', 'test'];
  const trace = await traceRequired(root, ids, { code, test: [...tests] }, require);
  const minRate = gate.min_rate ?? 1;
  const where = require.length === 2 ? 'from code and a test' : require[0] === 'test' ? 'from a test' : 'from code';
  const summary = `${trace.referenced.length} of ${ids.length} requirements referenced ${where} (${percent(trace.coverage)}), min ${percent(minRate)}`;
  return {
    outcome: trace.coverage >= minRate ? 'pass' : 'fail',
    summary: trace.unreferenced.length > 0 ? `${summary}; unreferenced: ${trace.unreferenced.slice(0, 10).join(', ')}${trace.unreferenced.length > 10 ? ', ...' : ''}` : summary,
    measured: { value: trace.coverage, min: minRate },
    measurements: [singleMeasurement('prd-trace', trace.coverage, { min: minRate })],
    details: { document: gate.document, require, unreferenced: trace.unreferenced, missing_from: trace.missingFrom, referenced: trace.referenced.length, scanned: trace.scanned },
  };
}
