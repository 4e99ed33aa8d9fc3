import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { compareStrings } from '../model/diagnostic.js';
import { REPORT_FORMAT, type RunFolder, type RunReport } from '../model/evidence.js';
import { storedTextSha256 } from '../util/content-hash.js';

/**
 * The `report_sha256` of a report.json: of its content as git stores it (LF line ends), so a row
 * written on one checkout verifies on any other (`core.autocrlf`, `eol=crlf`), see `storedTextSha256`.
 */
export function reportSha256(bytes: Uint8Array): string {
  return storedTextSha256(bytes);
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
  const sha256 = reportSha256(bytes);
  try {
    const report = JSON.parse(bytes.toString('utf8')) as RunReport;
    if (report.format !== REPORT_FORMAT || report.run_id !== runId) {
      return { runId, dir, report: undefined, reportSha256: sha256, problem: `report.json is not a ${REPORT_FORMAT} report of run ${runId}` };
    }
    return { runId, dir, report, reportSha256: sha256 };
  } catch (error) {
    return { runId, dir, report: undefined, reportSha256: sha256, problem: `report.json is not valid JSON: ${(error as Error).message}` };
  }
}
