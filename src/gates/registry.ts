import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type lockfile from 'proper-lockfile';
import { canonicalRuns, HEADER, isCompleteReport, registryPath, registryValues, reportPathOf } from '../evidence/registry.js';
import { asFileSystemError, EXIT_FAILED, isErrnoError, StagedocsError } from '../model/errors.js';
import { isValidId } from '../model/ids.js';
import { REGISTRY_FILE, type RunFolder } from '../model/evidence.js';
import { WORK_TREE_CACHE_DIR } from '../engine/cache-files.js';
import { cacheDirOf } from '../util/cache-location.js';
import { csvRow } from '../util/csv.js';
import { writeAtomic } from '../util/write-atomic.js';
import { assertEvidenceInsideRoot } from './evidence.js';

/**
 * Writing the gate registry: one row appended per finished run, or the whole file rewritten from the
 * evidence, always under the registry lock. Reading and checking it is evidence/registry.ts.
 */

/**
 * The locks (this one, and scaffolding's) are kept out of gate_results/, whose folders are all runs, and with the caches in the git
 * directory (a work tree folder would be a stray `.stagedocs/` that every command warns about);
 * outside git, where there is no such directory, in `.stagedocs/`.
 */
export function lockFolder(root: string): string {
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
  // Named relative to the root in messages (`.git/stagedocs/<key>/gate_registry.lock`).
  const shown = path.relative(root, path.join(folder, 'gate_registry.lock'));
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw asFileSystemError(error, path.relative(root, folder), 'create the folder of the registry lock');
  }
  let release: () => Promise<void>;
  try {
    release = await acquire(lock, path.join(folder, 'gate_registry'));
  } catch (error) {
    // A lock that cannot be made at all (read-only, full) is the file system's fault, not another process's.
    if (isErrnoError(error) && error.code !== 'ELOCKED') throw asFileSystemError(error, shown, 'create the registry lock');
    throw new StagedocsError(
      `Could not lock the gate registry (${shown}): ${(error as Error).message}`,
      EXIT_FAILED,
      'Another stagedocs process holds it; when none runs, `stagedocs registry` rebuilds the registry from the reports.',
    );
  }
  try {
    return await action();
  } finally {
    // A lock that cannot be removed (the disk failed meanwhile) goes stale after 30 s; the action's
    // own outcome, or its error, is what the caller must see.
    await release().catch(() => undefined);
  }
}

/** How often, and how long between tries, a lock held by another process is waited for (over 30 s in all). */
const LOCK_TRIES = 200;
const LOCK_WAIT_MS = { min: 10, max: 250, factor: 1.5 };

/**
 * Takes the lock, waiting while another process holds it (ELOCKED). A lock left by a killed process
 * goes stale after 30 s, and the tries wait longer than that. Any other error (a read-only or full
 * disk) is thrown at once: proper-lockfile's own retries would wait as long for a lock that can
 * never be made.
 */
async function acquire(lock: typeof lockfile.lock, target: string): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await lock(target, { realpath: false, stale: 30_000, retries: 0 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || attempt >= LOCK_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(LOCK_WAIT_MS.max, LOCK_WAIT_MS.min * LOCK_WAIT_MS.factor ** attempt)));
    }
  }
}

/**
 * Appends one run's row under the registry lock, in a single write (with the header when the file is
 * new), so concurrent runs never interleave bytes. A write that fails (a full disk takes part of a
 * row) is undone: the file is cut back to its old length, or removed when this call created it, so the
 * registry holds the row whole or not at all. Errors of the file system are thrown as they are; the
 * caller knows what the run left and says so.
 */
export async function appendRegistryRow(root: string, gateResultsDir: string, values: readonly string[]): Promise<void> {
  const file = registryPath(root, gateResultsDir);
  assertEvidenceInsideRoot(root, gateResultsDir);
  await withRegistryLock(root, async () => {
    let existing: Buffer | undefined;
    try {
      existing = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // A file cut short by a crash mid-write (no final line end) must not swallow the new row.
    const separator = existing !== undefined && existing.length > 0 && existing.at(-1) !== 0x0a ? '\r\n' : '';
    const row = Buffer.from(`${existing === undefined || existing.length === 0 ? HEADER : separator}${csvRow(values)}`, 'utf8');
    const handle = await open(file, 'a');
    try {
      for (let offset = 0; offset < row.length; ) offset += (await handle.write(row, offset)).bytesWritten;
      await handle.sync();
    } catch (error) {
      await (existing === undefined ? unlink(file) : handle.truncate(existing.length)).catch(() => undefined);
      throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
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
  assertEvidenceInsideRoot(root, gateResultsDir);
  const text = renderRegistry(runs, gateResultsDir);
  const file = path.posix.join(gateResultsDir, REGISTRY_FILE);
  await withRegistryLock(root, async () => {
    try {
      await mkdir(path.join(root, gateResultsDir), { recursive: true });
      await writeAtomic(registryPath(root, gateResultsDir), text);
    } catch (error) {
      throw asFileSystemError(error, file, 'rewrite', 'it is unchanged (the new file is written beside it and renamed over it only when whole)');
    }
  });
  return text;
}

