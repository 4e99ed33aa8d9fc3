import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import { fileStamp, racyFrom, storedStamp, unchangedSince, type FileStamp, type StoredStamp } from './stamp.js';

interface DerivedFile {
  format: typeof DERIVED_FORMAT;
  key: string;
  /** The inputs' stamps before the value was computed, in the order given (null: the file was missing). */
  stamps: Array<StoredStamp | null>;
  /** The value's JSON text: a string parses in a few milliseconds, so a caller that needs only its hash never builds the value. */
  value: string;
  /** The SHA-1 of `value`, checked on every read: a damaged file is computed again, never trusted. */
  hash: string;
}

const DERIVED_FORMAT = 'stagedocs-derived-cache/2';

/** A derived value as JSON text with its hash, and the value itself when it was just computed. */
interface DerivedText {
  text: string;
  hash: string;
  computed?: unknown;
}

/**
 * A value derived from `key` and the bytes of `files` (relative to `root`), kept in
 * `<cacheDir>/<name>.json` (the root's cache folder, `cacheDirOf`) and reused while the key is the same and every file has the stamp (size,
 * mtime, ctime, inode) it had before the value was computed, as the facts cache trusts stamps: any
 * write changes ctime, and stamps too close to the cache's own write time are never trusted. The key
 * must name everything else the value depends on (the code's fingerprint among it). A damaged or
 * foreign file means computing again; a failed write only loses the cache. Without a cache folder
 * (outside git, or caches turned off) the value is computed every time.
 */
export async function derivedValue<T>(
  root: string,
  cacheDir: string | undefined,
  name: string,
  key: string,
  files: readonly string[],
  compute: () => Promise<T>,
  isValue: (value: unknown) => value is T,
): Promise<T> {
  if (cacheDir === undefined) return compute();
  const target = path.join(cacheDir, `${name}.json`);
  // Taken before computing: a file changed meanwhile then differs next time.
  const stamps = files.map((file) => fileStamp(path.join(root, file)));
  const text = (await savedText(target, key, stamps))?.text;
  if (text !== undefined) {
    try {
      const saved = JSON.parse(text) as unknown;
      if (isValue(saved)) return saved;
    } catch {
      // Not JSON: compute.
    }
  }
  const value = await compute();
  await save(target, key, stamps, JSON.stringify(value));
  return value;
}

/**
 * The same, as JSON text, for a caller that may need only a hash of the value (validate reusing its
 * last findings needs only the evidence's fingerprint). The caller checks the value's shape when it
 * parses the text.
 */
export async function derivedText(root: string, cacheDir: string, name: string, key: string, files: readonly string[], compute: () => Promise<unknown>): Promise<DerivedText> {
  const target = path.join(cacheDir, `${name}.json`);
  const stamps = files.map((file) => fileStamp(path.join(root, file)));
  const saved = await savedText(target, key, stamps);
  if (saved) return saved;
  const computed = await compute();
  const text = JSON.stringify(computed);
  return { text, hash: await save(target, key, stamps, text), computed };
}

/** The saved value's text when the file is ours, for this key, whole, and no input changed. */
async function savedText(target: string, key: string, stamps: ReadonlyArray<FileStamp | undefined>): Promise<{ text: string; hash: string } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    const saved = JSON.parse(text) as Partial<DerivedFile>;
    if (
      saved.format === DERIVED_FORMAT &&
      saved.key === key &&
      typeof saved.value === 'string' &&
      Array.isArray(saved.stamps) &&
      unchangedInputs(saved.stamps, stamps, racyFrom(info.mtimeMs)) &&
      saved.hash === hashOf(saved.value)
    ) {
      return { text: saved.value, hash: saved.hash };
    }
  } catch {
    // Missing, unreadable or not JSON: compute.
  }
  return undefined;
}

/** Writes the value's text with its hash, which it returns. */
async function save(target: string, key: string, stamps: ReadonlyArray<FileStamp | undefined>, value: string): Promise<string> {
  const hash = hashOf(value);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    const body: DerivedFile = { format: DERIVED_FORMAT, key, stamps: stamps.map((stamp) => (stamp ? storedStamp(stamp) : null)), value, hash };
    await writeAtomic(target, JSON.stringify(body), CACHE_WRITE);
  } catch {
    // A read-only checkout still works; it only computes again next time.
  }
  return hash;
}

function hashOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Every input is as it was (a missing one still missing), none racy. */
function unchangedInputs(saved: unknown[], now: ReadonlyArray<FileStamp | undefined>, racy: number): boolean {
  if (saved.length !== now.length) return false;
  return now.every((stamp, index) => (stamp === undefined ? saved[index] === null : unchangedSince(saved[index], stamp, racy)));
}
