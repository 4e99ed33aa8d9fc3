import { statSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { CACHE_DIR, RACY_MS } from './cache.js';

type Stamp = [size: number, mtimeMs: number, ctimeMs: number, ino: number] | null;

interface DerivedFile {
  format: typeof DERIVED_FORMAT;
  key: string;
  /** The inputs' stamps before the value was computed, in the order given (null: the file was missing). */
  stamps: Stamp[];
  value: unknown;
}

const DERIVED_FORMAT = 'stagedocs-derived-cache/1';

/**
 * A value derived from `key` and the bytes of `files` (repository-relative), kept in
 * `.stagedocs/<name>.json` and reused while the key is the same and every file has the stamp (size,
 * mtime, ctime, inode) it had before the value was computed, as the facts cache trusts stamps: any
 * write changes ctime, and stamps too close to the cache's own write time are never trusted. The key
 * must name everything else the value depends on. A damaged or foreign file means computing again;
 * a failed write only loses the cache.
 */
export async function derivedValue<T>(
  root: string,
  name: string,
  key: string,
  files: readonly string[],
  compute: () => Promise<T>,
  isValue: (value: unknown) => value is T,
): Promise<T> {
  const target = path.join(root, CACHE_DIR, `${name}.json`);
  // Taken before computing: a file changed meanwhile then differs next time.
  const stamps = files.map((file) => stampOf(path.join(root, file)));
  try {
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    const saved = JSON.parse(text) as Partial<DerivedFile>;
    if (saved.format === DERIVED_FORMAT && saved.key === key && Array.isArray(saved.stamps) && sameStamps(saved.stamps, stamps, info.mtimeMs - RACY_MS) && isValue(saved.value)) {
      return saved.value;
    }
  } catch {
    // Missing, unreadable or not JSON: compute.
  }
  const value = await compute();
  try {
    await mkdir(path.dirname(target), { recursive: true });
    const body: DerivedFile = { format: DERIVED_FORMAT, key, stamps, value };
    await writeFileAtomic(target, JSON.stringify(body));
  } catch {
    // A read-only checkout still works; it only computes again next time.
  }
  return value;
}

function stampOf(file: string): Stamp {
  const info = statSync(file, { throwIfNoEntry: false });
  return info ? [info.size, info.mtimeMs, info.ctimeMs, info.ino] : null;
}

function sameStamps(saved: unknown[], now: Stamp[], racyFrom: number): boolean {
  if (saved.length !== now.length) return false;
  return now.every((stamp, index) => {
    const known = saved[index];
    if (stamp === null) return known === null;
    if (!Array.isArray(known) || known.length !== 4 || !stamp.every((part, k) => known[k] === part)) return false;
    return stamp[1] < racyFrom && stamp[2] < racyFrom;
  });
}
