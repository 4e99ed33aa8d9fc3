import { mkdir, readFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type lockfile from 'proper-lockfile';
import { writeAtomic } from '../util/write-atomic.js';
import { compareStrings } from '../model/diagnostic.js';
import { REGISTRY_COLUMNS, REGISTRY_FILE, type RegistryCheck, type RegistryProblem, type RunReport, type RunFolder } from '../model/evidence.js';
import { isValidId } from '../model/ids.js';
import { validatorFor } from '../model/ajv.js';
import { runReportSchema } from '../model/report-schema.js';
import { EXIT_FAILED, StagedocsError } from '../model/errors.js';
import { csvRow, csvSafeText, decodeCell, parseCsv, CsvSyntaxError } from './csv.js';

/**
 * The gate registry `gate_results/gate_registry.csv`: one row per finished run, derived entirely from
 * that run's report.json, so the file can always be rebuilt from the evidence.
 *
 * Row order: rows are appended as runs finish, so concurrent runs and `merge=union` (two branches
 * appending) can leave them in any order. The check therefore compares rows by run id and accepts any
 * order; when the order is not the canonical one (started_at, then run_id) it says so and suggests
 * `stagedocs registry`, which rewrites the file in canonical order. There is no hash chain: a chain
 * links each row to the one before it, and a union merge interleaves two chains, which would turn
 * every merge into a false alarm. Each row carries the sha256 of its report.json instead.
 */

export const HEADER = csvRow(REGISTRY_COLUMNS);

export function registryPath(root: string, gateResultsDir: string): string {
  return path.join(root, gateResultsDir, REGISTRY_FILE);
}

/** The repository-relative path of a run's report, as the `report_path` column holds it. */
export function reportPathOf(gateResultsDir: string, runId: string): string {
  return path.posix.join(gateResultsDir.replace(/\\/g, '/').replace(/\/+$/, ''), runId, 'report.json');
}

/** The registry cells of one run, in column order. */
export function registryValues(report: RunReport, reportPath: string, reportSha256: string): string[] {
  const byColumn: Record<(typeof REGISTRY_COLUMNS)[number], string> = {
    run_id: report.run_id,
    stage_id: report.stage_id,
    stage_title: report.stage_title,
    phase_id: report.phase_id,
    started_at: report.started_at,
    finished_at: report.finished_at,
    duration_ms: String(report.duration_ms),
    overall_pass: report.overall_pass ? 'true' : 'false',
    blocking_failures: String(report.blocking_failures),
    warnings: String(report.warnings),
    decision_tag: report.decision_tag ?? '',
    commit: report.commit ?? '',
    dirty: report.dirty ? 'true' : 'false',
    report_path: reportPath,
    report_sha256: reportSha256,
  };
  return REGISTRY_COLUMNS.map((column) => csvSafeText(byColumn[column]));
}

/** The lock is kept out of gate_results/, whose folders are all runs. */
function lockTarget(root: string): string {
  return path.join(root, '.stagedocs', 'gate_registry');
}

const require = createRequire(import.meta.url);

/**
 * proper-lockfile (with graceful-fs) loads only to append: validate reads the registry on every commit.
 * `gate run` loads it before its gates run, which may delete node_modules.
 */
export function loadRegistryLock(): typeof lockfile.lock {
  return (require('proper-lockfile') as typeof lockfile).lock;
}

async function withRegistryLock<T>(root: string, action: () => Promise<T>): Promise<T> {
  const lock = loadRegistryLock();
  await mkdir(path.join(root, '.stagedocs'), { recursive: true });
  let release: () => Promise<void>;
  try {
    // A lock left by a killed process goes stale after 30 s; the retries wait longer than that.
    release = await lock(lockTarget(root), {
      realpath: false,
      stale: 30_000,
      retries: { retries: 200, minTimeout: 10, maxTimeout: 250, factor: 1.5 },
    });
  } catch (error) {
    throw new StagedocsError(
      `Could not lock the gate registry (${path.join('.stagedocs', 'gate_registry.lock')}): ${(error as Error).message}`,
      EXIT_FAILED,
      'Another stagedocs process holds it; when none runs, `stagedocs registry` rebuilds the registry from the reports.',
    );
  }
  try {
    return await action();
  } finally {
    await release();
  }
}

/**
 * Appends one run's row under the registry lock, in a single write (with the header when the file is
 * new), so concurrent runs never interleave bytes.
 */
export async function appendRegistryRow(root: string, gateResultsDir: string, values: readonly string[]): Promise<void> {
  const file = registryPath(root, gateResultsDir);
  await withRegistryLock(root, async () => {
    let existing = '';
    try {
      existing = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // A file cut short by a crash mid-write (no final line end) must not swallow the new row.
    const separator = existing !== '' && !existing.endsWith('\n') ? '\r\n' : '';
    await appendFile(file, `${existing === '' ? HEADER : separator}${csvRow(values)}`);
  });
}

/** Whether a parsed report has every field a registry row is made of (the report.json schema). */
function isCompleteReport(report: RunReport | undefined): report is RunReport {
  return report !== undefined && validatorFor(runReportSchema)(report) === true;
}

/** Finished runs with a complete report, in canonical order: started_at, then run id. */
function canonicalRuns(runs: RunFolder[]): Array<RunFolder & { report: RunReport; reportSha256: string }> {
  return runs
    .filter((run): run is RunFolder & { report: RunReport; reportSha256: string } => isCompleteReport(run.report) && run.reportSha256 !== undefined)
    .sort((a, b) => compareStrings(a.report.started_at, b.report.started_at) || compareStrings(a.runId, b.runId));
}

/** The registry as `stagedocs registry` writes it: header, then one row per finished run in canonical order. */
export function renderRegistry(runs: RunFolder[], gateResultsDir: string): string {
  return HEADER + canonicalRuns(runs).map((run) => csvRow(registryValues(run.report, reportPathOf(gateResultsDir, run.runId), run.reportSha256))).join('');
}

/**
 * Rewrites the registry from the evidence, atomically and under the lock. A finished run whose
 * report.json cannot be read or used (truncated, edited) refuses the rebuild and nothing is written:
 * silently leaving its row out would lose the record of that run.
 */
export async function rebuildRegistry(root: string, gateResultsDir: string, runs: RunFolder[]): Promise<string> {
  const broken = runs
    .filter((run) => isValidId(run.runId) && (run.problem !== undefined || (run.reportSha256 !== undefined && !isCompleteReport(run.report))))
    .map((run) => `${path.posix.join(gateResultsDir, run.runId, 'report.json')}: ${run.problem ?? 'does not match the report schema (a field is missing or has the wrong type)'}`);
  if (broken.length > 0) {
    throw new StagedocsError(
      `Cannot rebuild ${path.posix.join(gateResultsDir, REGISTRY_FILE)}: ${broken.length} report${broken.length === 1 ? ' is' : 's are'} unreadable, and ${broken.length === 1 ? 'its row' : 'their rows'} would be lost; nothing was written:\n  ${broken.join('\n  ')}`,
      EXIT_FAILED,
      'Restore the reports from git (`git checkout -- <report.json>`); a run folder without report.json counts as unfinished.',
    );
  }
  const text = renderRegistry(runs, gateResultsDir);
  await withRegistryLock(root, async () => {
    await mkdir(path.join(root, gateResultsDir), { recursive: true });
    await writeAtomic(registryPath(root, gateResultsDir), text);
  });
  return text;
}

/** Compares the registry text with the evidence. `text` undefined means the file does not exist. */
export function checkRegistry(text: string | undefined, runs: RunFolder[], gateResultsDir: string): RegistryCheck {
  const file = path.posix.join(gateResultsDir, REGISTRY_FILE);
  const problems: RegistryProblem[] = [];
  const runFolders = runs.filter((run) => isValidId(run.runId));
  // Unfinished: no report.json at all. Unreadable: one that exists but cannot be read or used.
  const unfinished = runFolders.filter((run) => run.reportSha256 === undefined && run.problem === undefined).map((run) => run.runId);
  const unreadable = runFolders
    .filter((run) => run.problem !== undefined || (run.reportSha256 !== undefined && !isCompleteReport(run.report)))
    .map((run) => ({ runId: run.runId, problem: run.problem ?? 'report.json does not match the report schema (a field is missing or has the wrong type)' }));
  const expected = new Map(canonicalRuns(runFolders).map((run) => [run.runId, registryValues(run.report, reportPathOf(gateResultsDir, run.runId), run.reportSha256)]));

  let records: ReturnType<typeof parseCsv> = [];
  if (text !== undefined) {
    try {
      records = parseCsv(text);
    } catch (error) {
      const line = error instanceof CsvSyntaxError ? error.line : 1;
      problems.push({ kind: 'malformed', line, runId: '', message: `${file}:${line}: not valid CSV: ${(error as Error).message}` });
      return { file, ok: false, problems, unfinished, unreadable, outOfOrder: false, rowCount: 0 };
    }
  }
  const [header, ...rows] = records;
  if (header && header.cells.join(',') !== REGISTRY_COLUMNS.join(',')) {
    problems.push({ kind: 'header', line: 1, runId: '', message: `${file}:1: the header is \`${header.cells.join(',')}\`, expected \`${REGISTRY_COLUMNS.join(',')}\`` });
  }

  const seen = new Map<string, number>();
  const order: string[] = [];
  for (const row of rows) {
    const values = row.cells.map(decodeCell);
    const runId = values[0] ?? '';
    const where = `${file}:${row.line}`;
    if (row.cells.length !== REGISTRY_COLUMNS.length) {
      problems.push({ kind: 'malformed', line: row.line, runId, message: `${where}: row has ${row.cells.length} cells, expected ${REGISTRY_COLUMNS.length}` });
      continue;
    }
    const first = seen.get(runId);
    if (first !== undefined) {
      problems.push({ kind: 'duplicate', line: row.line, runId, message: `${where}: run \`${runId}\` is listed again (first on line ${first})` });
      continue;
    }
    seen.set(runId, row.line);
    const want = expected.get(runId);
    // A row of a run whose report is unreadable is judged with the report (reported once, below).
    if (!want && unreadable.some((run) => run.runId === runId)) continue;
    if (!want) {
      problems.push({ kind: 'extra', line: row.line, runId, message: `${where}: run \`${runId}\` has no report.json in ${gateResultsDir}/ (extra row)` });
      continue;
    }
    order.push(runId);
    const shaColumn = REGISTRY_COLUMNS.indexOf('report_sha256');
    if (values[shaColumn] !== want[shaColumn]) {
      problems.push({
        kind: 'sha-mismatch',
        line: row.line,
        runId,
        message: `${where}: run \`${runId}\` report_sha256 is \`${values[shaColumn]}\`, but report.json hashes to \`${want[shaColumn]}\` (the report or the row was changed)`,
      });
      continue;
    }
    const edited = REGISTRY_COLUMNS.filter((_column, index) => values[index] !== want[index]);
    if (edited.length > 0) {
      problems.push({
        kind: 'edited',
        line: row.line,
        runId,
        message: `${where}: run \`${runId}\` differs from its report.json in ${edited.map((column) => `\`${column}\``).join(', ')} (edited row)`,
      });
    }
  }
  for (const runId of expected.keys()) {
    if (!seen.has(runId)) {
      problems.push({ kind: 'missing', line: 0, runId, message: `${file}: run \`${runId}\` has a report.json but no row (missing row)` });
    }
  }
  const listed = new Set(order);
  const canonical = [...expected.keys()].filter((runId) => listed.has(runId));
  const outOfOrder = canonical.some((runId, index) => order[index] !== runId);
  return { file, ok: problems.length === 0 && unreadable.length === 0, problems, unfinished, unreadable, outOfOrder, rowCount: rows.length };
}

/** Reads the registry file and checks it against the runs. */
export async function checkRegistryFile(root: string, gateResultsDir: string, runs: RunFolder[]): Promise<RegistryCheck> {
  let text: string | undefined;
  try {
    text = await readFile(registryPath(root, gateResultsDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return checkRegistry(text, runs, gateResultsDir);
}
