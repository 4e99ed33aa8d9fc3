import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';

/**
 * A value of HEAD's history kept in the cache folder with the commit it belongs to, so that a later
 * HEAD that descends from it computes only what the commits since add (git/history-cache.ts: the
 * commits; git/record-history-cache.ts: what the record-integrity rules found).
 */
interface KeptFile<T> {
  format: string;
  /** Everything else the value depends on (the code's fingerprint, the configuration), hashed: another one is a miss. */
  key: string;
  head: string;
  value: T;
  /** SHA-1 of the JSON text of `value`, checked on every read: a damaged file is never trusted. */
  hash: string;
}

/** The value kept in `file` and its HEAD; undefined when missing, unreadable, of another format or key, damaged, or not `isValue`. */
export function readKept<T>(file: string, format: string, key: string, isValue: (value: unknown, head: string) => value is T): { head: string; value: T } | undefined {
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeptFile<unknown>>;
    if (kept.format === format && kept.key === key && typeof kept.head === 'string' && kept.hash === hashOf(kept.value) && isValue(kept.value, kept.head)) {
      return { head: kept.head, value: kept.value };
    }
  } catch {
    // Missing, unreadable or not JSON: a miss.
  }
  return undefined;
}

/** Keeps `value` as the one of `head`; a failed write (a read-only git directory) only loses it. */
export async function writeKept<T>(file: string, format: string, key: string, head: string, value: T): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const body: KeptFile<T> = { format, key, head, value, hash: hashOf(value) };
    await writeAtomic(file, JSON.stringify(body), CACHE_WRITE);
  } catch {
    // Computed in full next time.
  }
}

/**
 * What else bounds HEAD's history, for the keys of kept values: the shallow boundary (`git fetch
 * --deepen` or `--unshallow` keep HEAD but add commits) and grafts; their bytes, so any change to them
 * is a miss. `commonDir` is the directory shared by every worktree (`gitDirectoriesOf`).
 */
export function historyBoundary(commonDir: string | undefined): string[] {
  if (commonDir === undefined) return [];
  return ['shallow', path.join('info', 'grafts')].map((file) => {
    try {
      return createHash('sha256').update(readFileSync(path.join(commonDir, file))).digest('hex');
    } catch {
      return 'none';
    }
  });
}

function hashOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value) ?? '').digest('hex');
}
