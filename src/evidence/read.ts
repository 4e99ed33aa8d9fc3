import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { compareStrings } from '../model/diagnostic.js';
import { REPORT_FORMAT, type RunReport } from '../model/evidence.js';

export interface RunFolder {
  /** The folder name, which is the run id. */
  runId: string;
  /** Repository-relative path of the folder. */
  dir: string;
  /** The parsed report, or undefined when the run never finished (killed mid-way) or it is unreadable. */
  report: RunReport | undefined;
  /** sha256 of the report.json bytes, when present. */
  reportSha256: string | undefined;
  /** Why the report could not be used, when it exists but is broken. */
  problem?: string;
}

/**
 * Reads every run folder under the gate results directory, sorted by run id (which sorts by stage,
 * then time). Missing directory means no runs. Never throws for bad content.
 */
export async function readRuns(root: string, gateResultsDir: string): Promise<RunFolder[]> {
  let entries: string[];
  try {
    entries = (await readdir(path.join(root, gateResultsDir), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
  // One after the other: thousands of concurrent reads run out of file descriptors (EMFILE), and
  // small files read faster in sequence anyway.
  const runs = entries.map((name) => readRun(root, path.posix.join(gateResultsDir, name), name));
  return runs.sort((a, b) => compareStrings(a.runId, b.runId));
}

function readRun(root: string, dir: string, runId: string): RunFolder {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(root, dir, 'report.json'));
  } catch (error) {
    // No report.json: a run that never finished. Anything else is a report that exists but cannot be read.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { runId, dir, report: undefined, reportSha256: undefined };
    return { runId, dir, report: undefined, reportSha256: undefined, problem: `report.json cannot be read (${code ?? (error as Error).message})` };
  }
  const reportSha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const report = JSON.parse(bytes.toString('utf8')) as RunReport;
    if (report.format !== REPORT_FORMAT || report.run_id !== runId) {
      return { runId, dir, report: undefined, reportSha256, problem: `report.json is not a ${REPORT_FORMAT} report of run ${runId}` };
    }
    return { runId, dir, report, reportSha256 };
  } catch (error) {
    return { runId, dir, report: undefined, reportSha256, problem: `report.json is not valid JSON: ${(error as Error).message}` };
  }
}

/** The finished runs of one stage, oldest first (started_at, then run id). */
export function runsOfStage(runs: RunFolder[], stageId: string): RunReport[] {
  return [...(stageRunIndex(runs).get(stageId) ?? [])];
}

/**
 * Finished runs grouped by stage and sorted, built once per list of runs: `status` and `audit-pack`
 * ask for every stage's runs (and its dependencies'), which would otherwise scan all runs each time.
 */
const stageRunIndexes = new WeakMap<RunFolder[], { length: number; byStage: Map<string, RunReport[]> }>();

function stageRunIndex(runs: RunFolder[]): Map<string, RunReport[]> {
  const known = stageRunIndexes.get(runs);
  // Rebuilt if the list grew or shrank since (a caller appending a run).
  if (known && known.length === runs.length) return known.byStage;
  const byStage = new Map<string, RunReport[]>();
  for (const run of runs) {
    const report = run.report;
    if (report === undefined) continue;
    const list = byStage.get(report.stage_id);
    if (list) list.push(report);
    else byStage.set(report.stage_id, [report]);
  }
  for (const list of byStage.values()) list.sort((a, b) => compareStrings(a.started_at, b.started_at) || compareStrings(a.run_id, b.run_id));
  stageRunIndexes.set(runs, { length: runs.length, byStage });
  return byStage;
}
