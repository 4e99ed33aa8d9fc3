import { statSync } from 'node:fs';

/** What the file system says about a file, as git's index keeps it: enough to know it did not change. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** A stamp as the cache files keep it: four numbers, in this order. */
export type StoredStamp = [size: number, mtimeMs: number, ctimeMs: number, ino: number];

/**
 * A stamp taken less than this before the cache file that holds it was written is "racy" (as in git):
 * the file may have changed again within the file system's timestamp granularity, so it is not
 * trusted and the file's bytes are hashed (or its value computed) again.
 */
export const RACY_MS = 2000;

/** The stamp of a file now; undefined when there is no such file. */
export function fileStamp(file: string): FileStamp | undefined {
  const info = statSync(file, { throwIfNoEntry: false });
  return info ? { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino } : undefined;
}

export function storedStamp(stamp: FileStamp): StoredStamp {
  return [stamp.size, stamp.mtimeMs, stamp.ctimeMs, stamp.ino];
}

/** Whether a stamp read back from a cache file (of any shape) is exactly this one. */
export function sameStamp(stored: unknown, stamp: FileStamp): boolean {
  return (
    Array.isArray(stored) &&
    stored.length === 4 &&
    stored[0] === stamp.size &&
    stored[1] === stamp.mtimeMs &&
    stored[2] === stamp.ctimeMs &&
    stored[3] === stamp.ino
  );
}

/**
 * Stamps at or after the returned time, for a cache file last written at `writtenMs`, are racy: those
 * taken within `RACY_MS` of the write (and any from the future).
 */
export function racyFrom(writtenMs: number): number {
  return writtenMs - RACY_MS;
}

/**
 * The one test every cache applies before it trusts a stamp it kept: the file's stamp now is the one
 * kept, and it is not racy (neither its mtime nor its ctime is within `RACY_MS` of the cache file's
 * write, see `racyFrom`). Any write changes ctime, which no user tool can set back.
 */
export function unchangedSince(stored: unknown, now: FileStamp, racy: number): boolean {
  return sameStamp(stored, now) && now.mtimeMs < racy && now.ctimeMs < racy;
}
