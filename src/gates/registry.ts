import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type lockfile from 'proper-lockfile';
import { canonicalRuns, HEADER, isCompleteReport, registryPath, registryValues, reportPathOf } from '../evidence/registry.js';
import { EXIT_FAILED, StagedocsError } from '../model/errors.js';
import { isValidId } from '../model/ids.js';
import { REGISTRY_FILE, type RunFolder } from '../model/evidence.js';
import { WORK_TREE_CACHE_DIR } from '../engine/cache-files.js';
import { cacheDirOf } from '../util/cache-location.js';
import { csvRow } from '../util/csv.js';
import { writeAtomic } from '../util/write-atomic.js';

/**
 * Writing the gate registry: one row appended per finished run, or the whole file rewritten from the
 * evidence, always under the registry lock. Reading and checking it is evidence/registry.ts.
 */

/**
 * The lock is kept out of gate_results/, whose folders are all runs, and with the caches in the git
 * directory (a work tree folder would be a stray `.stagedocs/` that every command warns about);
 * outside git, where there is no such directory, in `.stagedocs/`.
 */
function lockFolder(root: string): string {
  return cacheDirOf(root) ?? path.join(root, WORK_TREE_CACHE_DIR);
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
  const folder = lockFolder(root);
  await mkdir(folder, { recursive: true });
  let release: () => Promise<void>;
  try {
    // A lock left by a killed process goes stale after 30 s; the retries wait longer than that.
    release = await lock(path.join(folder, 'gate_registry'), {
      realpath: false,
      stale: 30_000,
      retries: { retries: 200, minTimeout: 10, maxTimeout: 250, factor: 1.5 },
    });
  } catch (error) {
    throw new StagedocsError(
      `Could not lock the gate registry (${path.join(folder, 'gate_registry.lock')}): ${(error as Error).message}`,
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

/** The registry as `stagedocs registry` writes it: header, then one row per finished run in canonical order. */
function renderRegistry(runs: RunFolder[], gateResultsDir: string): string {
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

