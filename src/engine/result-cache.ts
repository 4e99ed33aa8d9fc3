import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import { FACTS_DELTA_FILE, FACTS_FILE } from './cache-files.js';
import type { RawFinding } from './diagnostics.js';
import type { ReadList } from './read-trace.js';
import { fileStamp, racyFrom, sameStamp, storedStamp, unchangedSince, type FileStamp, type StoredStamp } from './stamp.js';

/**
 * Each file's content hash, the stamp it had when hashed, and what the repository rules read of it:
 * the index of its read list in `reads` and the hash of the values read (read-trace.ts).
 */
export type StampedFile = [file: string, sha: string, stamp: StoredStamp, reads: number, digest: string];

interface ResultFile {
  format: typeof RESULT_FORMAT;
  key: string;
  /** The part of `key` that keys the facts cache (the code and the configuration): the digests depend on it alone. */
  factsKey: string;
  files: StampedFile[];
  /** The distinct read lists of the files (most documents of a kind read the same members). */
  reads: ReadList[];
  /** Every path the repository rules asked about, and the answer they got. */
  exists: Record<string, boolean>;
  /** Every path whose containment the repository rules checked, and the answer (`''` inside, else the escape). */
  escapes: Record<string, string>;
  /** Every commit the repository rules asked whether it is in HEAD's history, and the answer. */
  history: Record<string, boolean>;
  /** The HEAD whose whole history the rules read (listed, not asked about), which the findings then need; null when they only asked. */
  historyKey: string | null;
  /** Each file's own findings (parse and document rules), by its index in `files`; files without any are left out. */
  documentFindings: Array<[index: number, findings: RawFinding[]]>;
  /** The findings of the repository rules. */
  findings: RawFinding[];
  /** The facts cache written in the same run (its facts file and delta file): a reused run builds its model from exactly those. */
  factsFile: StoredStamp | null;
  factsDelta: StoredStamp | null;
}

const RESULT_FORMAT = 'stagedocs-validate-result/5';

/** The last run's result, checked sound and for these documents; `suspects` are the files whose stamps no longer vouch for their bytes. */
export interface SavedResult {
  files: StampedFile[];
  reads: ReadList[];
  exists: Record<string, boolean>;
  escapes: Record<string, string>;
  history: Record<string, boolean>;
  historyKey: string | null;
  documentFindings: Map<number, RawFinding[]>;
  findings: RawFinding[];
  suspects: number[];
}

/** A result file as read: its body, of this format, and from when the stamps it holds are racy. */
export interface ResultFileRead {
  saved: Partial<ResultFile>;
  racy: number;
}

/** The result file `name` of the cache folder; undefined when it is missing, not JSON or of another format. */
export async function readResultFile(cacheDir: string, name: string): Promise<ResultFileRead | undefined> {
  try {
    const target = path.join(cacheDir, name);
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    const saved = JSON.parse(text) as Partial<ResultFile> | null;
    return saved?.format === RESULT_FORMAT ? { saved, racy: racyFrom(info.mtimeMs) } : undefined;
  } catch {
    return undefined;
  }
}

/** By file: a digest of the last run, with the content hash and read list it is the digest of. */
export type KnownDigests = Map<string, { sha: string; reads: ReadList; digest: string }>;

/**
 * The hash of what the repository rules read of each file in the last run, by file, with the content
 * hash and read list it is the hash of, when that run had the same code and configuration (`factsKey`):
 * whatever else changed since (the evidence, other documents), a file with the same bytes and the
 * same read list has the same hash, so a full run need not compute it again.
 */
export function knownDigests(read: ResultFileRead | undefined, factsKey: string): KnownDigests {
  const known: KnownDigests = new Map();
  const saved = read?.saved;
  if (!saved || saved.factsKey !== factsKey || !Array.isArray(saved.files) || !Array.isArray(saved.reads) || !saved.reads.every((list) => typeof list === 'string')) return known;
  for (const entry of saved.files as unknown[]) {
    if (isStampedFile(entry, saved.reads.length)) known.set(entry[0], { sha: entry[1], reads: saved.reads[entry[3]]!, digest: entry[4] });
  }
  return known;
}

/**
 * The findings of the last run, when the tool, the configuration (the key), the documents, and the
 * answers to every existence, containment and history check the repository rules made are the same; a damaged
 * or foreign file, or another facts cache than the one written with it, gives undefined (a full run).
 * The files whose stamps changed or are racy are the suspects: with none, the findings stand as
 * they are (cross-file rules are functions of exactly these); with some, they stand if those files'
 * bytes, or what the rules read of them, did not change (reuse.ts).
 */
export function savedResult(
  read: ResultFileRead | undefined,
  cacheDir: string,
  key: string,
  files: readonly string[],
  stampOf: (file: string) => FileStamp | undefined,
  exists: (relativePath: string) => boolean,
  escapeOf: (relativePath: string) => string,
  history: Pick<ReadonlySet<string>, 'has'> & { key: string | undefined },
): SavedResult | undefined {
  if (!read) return undefined;
  const { saved, racy } = read;
  if (saved.key !== key || !Array.isArray(saved.files) || !Array.isArray(saved.findings) || !Array.isArray(saved.documentFindings)) return undefined;
  if (!Array.isArray(saved.reads) || !saved.reads.every((list) => typeof list === 'string')) return undefined;
  if (typeof saved.exists !== 'object' || saved.exists === null || typeof saved.escapes !== 'object' || saved.escapes === null || saved.files.length !== files.length) return undefined;
  const suspects: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const entry = saved.files[i];
    if (!isStampedFile(entry, saved.reads.length) || entry[0] !== files[i]) return undefined;
    const now = stampOf(files[i]!);
    if (!now) return undefined;
    if (!unchangedSince(entry[2], now, racy)) suspects.push(i);
  }
  for (const [file, answer] of Object.entries(saved.exists)) {
    if (exists(file) !== answer) return undefined;
  }
  for (const [file, answer] of Object.entries(saved.escapes)) {
    if (escapeOf(file) !== answer) return undefined;
  }
  // A commit adds to HEAD's history: the findings stand when every commit the rules asked about is still in it (or still not).
  if (typeof saved.history !== 'object' || saved.history === null || (saved.historyKey !== null && saved.historyKey !== history.key)) return undefined;
  for (const [commit, answer] of Object.entries(saved.history)) {
    if (history.has(commit) !== answer) return undefined;
  }
  if (!saved.findings.every(isRawFinding)) return undefined;
  const documentFindings = new Map<number, RawFinding[]>();
  for (const entry of saved.documentFindings as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isInteger(entry[0]) || entry[0] < 0 || entry[0] >= files.length || !Array.isArray(entry[1]) || !entry[1].every(isRawFinding)) return undefined;
    documentFindings.set(entry[0] as number, entry[1] as RawFinding[]);
  }
  // The facts files must be the ones written in the same run; written just before this file, they are never settled, so only their stamps are compared.
  const { facts, delta } = factsCacheStamps(cacheDir);
  if (!facts || !sameStamp(saved.factsFile, facts)) return undefined;
  if (delta ? !sameStamp(saved.factsDelta, delta) : saved.factsDelta !== null) return undefined;
  return { files: saved.files as StampedFile[], reads: saved.reads, exists: saved.exists, escapes: saved.escapes, history: saved.history, historyKey: saved.historyKey ?? null, documentFindings, findings: saved.findings, suspects };
}

/** What a run keeps for the next: see `ResultFile`. */
export type ResultToSave = Pick<SavedResult, 'files' | 'reads' | 'exists' | 'escapes' | 'history' | 'historyKey' | 'documentFindings' | 'findings'>;

export async function saveResult(cacheDir: string, name: string, key: string, factsKey: string, result: ResultToSave): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
    const { facts, delta } = factsCacheStamps(cacheDir);
    const body: ResultFile = {
      format: RESULT_FORMAT,
      key,
      factsKey,
      files: result.files,
      reads: result.reads,
      exists: result.exists,
      escapes: result.escapes,
      history: result.history,
      historyKey: result.historyKey,
      documentFindings: [...result.documentFindings].filter(([, findings]) => findings.length > 0).sort(([a], [b]) => a - b),
      findings: result.findings,
      factsFile: facts ? storedStamp(facts) : null,
      factsDelta: delta ? storedStamp(delta) : null,
    };
    await writeAtomic(path.join(cacheDir, name), JSON.stringify(body), CACHE_WRITE);
  } catch {
    // A read-only checkout still validates; it only runs in full next time.
  }
}

/** The stamps of the facts cache's facts file and delta file (facts-cache.ts), the two files a model is built from. */
function factsCacheStamps(cacheDir: string): { facts: FileStamp | undefined; delta: FileStamp | undefined } {
  return { facts: fileStamp(path.join(cacheDir, FACTS_FILE)), delta: fileStamp(path.join(cacheDir, FACTS_DELTA_FILE)) };
}

function isStampedFile(value: unknown, readLists: number): value is StampedFile {
  return Array.isArray(value) && value.length === 5 && typeof value[0] === 'string' && typeof value[1] === 'string' && Number.isInteger(value[3]) && value[3] >= 0 && value[3] < readLists && typeof value[4] === 'string';
}

function isRawFinding(value: unknown): value is RawFinding {
  const finding = value as Partial<RawFinding> | null;
  return (
    typeof finding === 'object' &&
    finding !== null &&
    typeof finding.file === 'string' &&
    typeof finding.ruleId === 'string' &&
    typeof finding.message === 'string' &&
    typeof finding.line === 'number' &&
    typeof finding.column === 'number'
  );
}
