import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validatorFor } from '../model/ajv.js';
import { compareStrings } from '../model/diagnostic.js';
import { REGISTRY_COLUMNS, REGISTRY_FILE, type RegistryCheck, type RegistryProblem, type RunFolder, type RunReport } from '../model/evidence.js';
import { isValidId } from '../model/ids.js';
import { runReportSchema } from '../model/report-schema.js';
import { CsvSyntaxError, csvRow, csvSafeText, decodeCell, parseCsv } from '../util/csv.js';
import { contentSha256 } from '../util/content-hash.js';
import { ARTIFACTS_DIR } from '../model/evidence.js';

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
 *
 * This module reads and checks it; gates/registry.ts appends to it and rewrites it.
 */

/**
 * The columns of a registry. Every registry has the contract's columns (`REGISTRY_COLUMNS`); one made
 * since runner labels exist (`runs_on`) has one more, `official`, last: `false` for a run made with
 * `gate run --allow-host` on a runner without the labels its gates need. A registry keeps the layout
 * of its header for its whole life: appends and `stagedocs registry` follow the header already in the
 * file, so an older registry is still rebuilt byte for byte, and two branches never disagree on the
 * header (a union merge of two headers would break the file). In an older registry the mark is only in
 * report.json, which its row's report_sha256 pins.
 */
export const OFFICIAL_COLUMN = 'official';
export type RegistryColumns = readonly string[];
export const CURRENT_COLUMNS: RegistryColumns = [...REGISTRY_COLUMNS, OFFICIAL_COLUMN];
export const HEADER = csvRow(CURRENT_COLUMNS);

/** The layout a registry's header names: the current one, the contract's alone, or undefined for any other header. */
export function columnsOfHeader(cells: readonly string[]): RegistryColumns | undefined {
  const header = cells.join(',');
  if (header === CURRENT_COLUMNS.join(',')) return CURRENT_COLUMNS;
  if (header === REGISTRY_COLUMNS.join(',')) return REGISTRY_COLUMNS;
  return undefined;
}

/** The layout of a registry file's text by its first line: a new or empty file gets the current layout. */
export function columnsOfText(text: string | undefined): RegistryColumns {
  const firstLine = (text ?? '').split('\n', 1)[0]!.replace(/\r$/, '');
  if (firstLine === '') return CURRENT_COLUMNS;
  return columnsOfHeader(firstLine.split(',')) ?? CURRENT_COLUMNS;
}

export function registryPath(root: string, gateResultsDir: string): string {
  return path.join(root, gateResultsDir, REGISTRY_FILE);
}

/** The repository-relative path of a run's report, as the `report_path` column holds it. */
export function reportPathOf(gateResultsDir: string, runId: string): string {
  return path.posix.join(gateResultsDir.replace(/\\/g, '/').replace(/\/+$/, ''), runId, 'report.json');
}

/** The registry cells of one run, in the order of `columns` (the layout of the registry they go into). */
export function registryValues(report: RunReport, reportPath: string, reportSha256: string, columns: RegistryColumns = CURRENT_COLUMNS): string[] {
  const byColumn: Record<string, string> = {
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
    [OFFICIAL_COLUMN]: report.unofficial === true ? 'false' : 'true',
  };
  return columns.map((column) => csvSafeText(byColumn[column] ?? ''));
}

/** Whether a parsed report has every field a registry row is made of (the report.json schema). */
export function isCompleteReport(report: RunReport | undefined): report is RunReport {
  return report !== undefined && validatorFor(runReportSchema)(report) === true;
}

/** Finished runs with a complete report, in canonical order: started_at, then run id. */
export function canonicalRuns(runs: RunFolder[]): Array<RunFolder & { report: RunReport; reportSha256: string }> {
  return runs
    .filter((run): run is RunFolder & { report: RunReport; reportSha256: string } => isCompleteReport(run.report) && run.reportSha256 !== undefined)
    .sort((a, b) => compareStrings(a.report.started_at, b.report.started_at) || compareStrings(a.runId, b.runId));
}

/** Compares the registry text with the evidence. `text` undefined means the file does not exist. */
function checkRegistry(text: string | undefined, runs: RunFolder[], gateResultsDir: string, changedArtifacts: ReadonlyMap<string, string[]>): RegistryCheck {
  const file = path.posix.join(gateResultsDir, REGISTRY_FILE);
  const problems: RegistryProblem[] = [];
  const runFolders = runs.filter((run) => isValidId(run.runId));
  // Unfinished: no report.json at all. Unreadable: one that exists but cannot be read or used.
  const unfinished = runFolders.filter((run) => run.reportSha256 === undefined && run.problem === undefined).map((run) => run.runId);
  const unreadable = runFolders
    .filter((run) => run.problem !== undefined || (run.reportSha256 !== undefined && !isCompleteReport(run.report)))
    .map((run) => ({ runId: run.runId, problem: run.problem ?? 'report.json does not match the report schema (a field is missing or has the wrong type)' }));
  const columns = columnsOfText(text);
  const expected = new Map(canonicalRuns(runFolders).map((run) => [run.runId, registryValues(run.report, reportPathOf(gateResultsDir, run.runId), run.reportSha256, columns)]));

  let records: ReturnType<typeof parseCsv> = [];
  if (text !== undefined) {
    try {
      records = parseCsv(text);
    } catch (error) {
      const line = error instanceof CsvSyntaxError ? error.line : 1;
      problems.push({ kind: 'malformed', file, line, column: 1, runId: '', message: `not valid CSV: ${(error as Error).message}` });
      return { file, ok: false, problems, unfinished, unreadable, outOfOrder: false, rowCount: 0 };
    }
  }
  const [header, ...rows] = records;
  if (header && columnsOfHeader(header.cells) === undefined) {
    problems.push({
      kind: 'header',
      file,
      line: 1,
      column: 1,
      runId: '',
      message: `the header is \`${header.cells.join(',')}\`, expected \`${CURRENT_COLUMNS.join(',')}\` (or, in a registry made before runner labels, \`${REGISTRY_COLUMNS.join(',')}\`)`,
    });
  }

  const seen = new Map<string, number>();
  const order: string[] = [];
  for (const row of rows) {
    const values = row.cells.map(decodeCell);
    const runId = values[0] ?? '';
    const at = { file, line: row.line, column: 1 };
    if (row.cells.length !== columns.length) {
      problems.push({ kind: 'malformed', ...at, runId, message: `row has ${row.cells.length} cells, expected ${columns.length}` });
      continue;
    }
    const first = seen.get(runId);
    if (first !== undefined) {
      problems.push({ kind: 'duplicate', ...at, runId, message: `run \`${runId}\` is listed again (first on line ${first})` });
      continue;
    }
    seen.set(runId, row.line);
    const want = expected.get(runId);
    // A row of a run whose report is unreadable is judged with the report (reported once, below).
    if (!want && unreadable.some((run) => run.runId === runId)) continue;
    if (!want) {
      problems.push({ kind: 'extra', ...at, runId, message: `run \`${runId}\` has no report.json in ${gateResultsDir}/ (extra row)` });
      continue;
    }
    order.push(runId);
    const shaColumn = columns.indexOf('report_sha256');
    if (values[shaColumn] !== want[shaColumn]) {
      problems.push({
        kind: 'sha-mismatch',
        ...at,
        runId,
        message: `run \`${runId}\` report_sha256 is \`${values[shaColumn]}\`, but report.json hashes to \`${want[shaColumn]}\` (the report or the row was changed)`,
      });
      continue;
    }
    for (const message of changedArtifacts.get(runId) ?? []) problems.push({ kind: 'artifact-changed', ...at, runId, message: `run \`${runId}\` ${message}` });
    const edited = columns.filter((_column, index) => values[index] !== want[index]);
    if (edited.length > 0) {
      problems.push({
        kind: 'edited',
        ...at,
        runId,
        message: `run \`${runId}\` differs from its report.json in ${edited.map((column) => `\`${column}\``).join(', ')} (edited row)`,
      });
    }
  }
  for (const runId of expected.keys()) {
    if (!seen.has(runId)) {
      problems.push({ kind: 'missing', file, line: 0, column: 1, runId, message: `run \`${runId}\` has a report.json but no row (missing row)` });
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
  return checkRegistry(text, runs, gateResultsDir, await changedArtifacts(root, runs));
}

/**
 * The kept artifacts (report.json `gates[].artifacts`) whose copy in the run folder no longer has the
 * recorded sha256, or is gone, by run id. The report's own hash covers the recorded hashes, so an
 * artifact and its entry cannot be changed together without the report's row disagreeing.
 */
async function changedArtifacts(root: string, runs: readonly RunFolder[]): Promise<Map<string, string[]>> {
  const changed = new Map<string, string[]>();
  for (const run of runs) {
    for (const gate of run.report?.gates ?? []) {
      for (const artifact of Array.isArray(gate.artifacts) ? gate.artifacts : []) {
        const recorded = String(artifact.path);
        // The report is read, not trusted: a path that leaves the run folder is never opened.
        const escapes = path.posix.isAbsolute(recorded) || recorded.split(/[\\/]/).includes('..');
        const copy = path.posix.join(run.dir, ARTIFACTS_DIR, recorded);
        const bytes = escapes ? undefined : await readFile(path.join(root, copy)).catch(() => undefined);
        const problem = escapes
          ? `report.json of gate \`${gate.id}\` records the artifact path ${JSON.stringify(recorded)}, expected a path inside the run's ${ARTIFACTS_DIR}/ folder`
          : bytes === undefined
            ? `kept artifact ${copy} of gate \`${gate.id}\` is missing (the run recorded sha256 \`${artifact.sha256}\`)`
            : contentSha256(bytes) !== artifact.sha256
              ? `kept artifact ${copy} of gate \`${gate.id}\` hashes to \`${contentSha256(bytes)}\`, but report.json records \`${artifact.sha256}\` (the artifact was changed)`
              : undefined;
        if (problem) changed.set(run.runId, [...(changed.get(run.runId) ?? []), problem]);
      }
    }
  }
  return changed;
}
