import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import { FACTS_DELTA_FILE, FACTS_FILE } from './cache-files.js';
import type { RawFinding } from './diagnostics.js';
import { fileStamp, racyFrom, sameStamp, storedStamp, unchangedSince, type FileStamp, type StoredStamp } from './stamp.js';


/** Each file's content hash and the stamp it had when hashed. */
export type StampedFile = [file: string, sha: string, stamp: StoredStamp];

interface ResultFile {
  format: typeof RESULT_FORMAT;
  key: string;
  files: StampedFile[];
  /** Every path the repository rules asked about, and the answer they got. */
  exists: Record<string, boolean>;
  /** Every path whose containment the repository rules checked, and the answer (`''` inside, else the escape). */
  escapes: Record<string, string>;
  findings: RawFinding[];
  /** The facts cache written in the same run (its facts file and delta file): a reused run builds its model from exactly those. */
  factsFile: StoredStamp | null;
  factsDelta: StoredStamp | null;
}

const RESULT_FORMAT = 'stagedocs-validate-result/4';

/**
 * The findings of the last whole run, reused when nothing they depend on changed: the same tool and
 * configuration (the key), the same documents with the same stamps (not racy), and the same answers
 * to every existence and containment check the repository rules made. Cross-file rules are functions of exactly
 * these, so the reused findings are what a full run would find. Anything else, or a damaged file,
 * means a full run.
 */
export async function reusableFindings(
  cacheDir: string,
  name: string,
  key: string,
  files: readonly string[],
  stampOf: (file: string) => FileStamp | undefined,
  exists: (relativePath: string) => boolean,
  escapeOf: (relativePath: string) => string,
): Promise<{ findings: RawFinding[]; shas: Map<string, string> } | undefined> {
  const target = path.join(cacheDir, name);
  let saved: Partial<ResultFile>;
  let racy: number;
  try {
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    saved = JSON.parse(text) as Partial<ResultFile>;
    racy = racyFrom(info.mtimeMs);
  } catch {
    return undefined;
  }
  if (saved.format !== RESULT_FORMAT || saved.key !== key || !Array.isArray(saved.files) || !Array.isArray(saved.findings)) return undefined;
  if (typeof saved.exists !== 'object' || saved.exists === null || typeof saved.escapes !== 'object' || saved.escapes === null || saved.files.length !== files.length) return undefined;
  const shas = new Map<string, string>();
  for (let i = 0; i < files.length; i++) {
    const entry = saved.files[i];
    if (!Array.isArray(entry) || entry[0] !== files[i]) return undefined;
    const now = stampOf(files[i]!);
    if (!now || !unchangedSince(entry[2], now, racy)) return undefined;
    shas.set(entry[0], entry[1]);
  }
  for (const [file, answer] of Object.entries(saved.exists)) {
    if (exists(file) !== answer) return undefined;
  }
  for (const [file, answer] of Object.entries(saved.escapes)) {
    if (escapeOf(file) !== answer) return undefined;
  }
  if (!saved.findings.every(isRawFinding)) return undefined;
  // The facts files must be the ones written in the same run; written just before this file, they are never settled, so only their stamps are compared.
  const { facts, delta } = factsCacheStamps(cacheDir);
  if (!facts || !sameStamp(saved.factsFile, facts)) return undefined;
  if (delta ? !sameStamp(saved.factsDelta, delta) : saved.factsDelta !== null) return undefined;
  return { findings: saved.findings, shas };
}

export async function saveFindings(
  cacheDir: string,
  name: string,
  key: string,
  files: StampedFile[],
  exists: Map<string, boolean>,
  escapes: Map<string, string>,
  findings: RawFinding[],
): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
    const { facts, delta } = factsCacheStamps(cacheDir);
    const body: ResultFile = {
      format: RESULT_FORMAT,
      key,
      files,
      exists: Object.fromEntries(exists),
      escapes: Object.fromEntries(escapes),
      findings,
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
