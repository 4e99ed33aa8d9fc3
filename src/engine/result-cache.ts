import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import type { Finding } from '../model/diagnostic.js';
import { CACHE_DIR, CACHE_FILE, fileStamp, RACY_MS, type FileStamp } from './cache.js';

/** A finding of the last run before severities and `only` applied, with its file. */
export type RawFinding = Finding & { ruleId: string; file: string };

/** Each file's content hash and the stamp it had when hashed. */
export type StampedFile = [file: string, sha: string, size: number, mtimeMs: number, ctimeMs: number, ino: number];

interface ResultFile {
  format: typeof RESULT_FORMAT;
  key: string;
  files: StampedFile[];
  /** Every path the repository rules asked about, and the answer they got. */
  exists: Record<string, boolean>;
  findings: RawFinding[];
  /** The facts cache written in the same run: a reused run builds its model from exactly that file. */
  factsFile: FileStamp | null;
}

const RESULT_FORMAT = 'stagedocs-validate-result/1';
export const RESULT_FILE = 'validate-result.json';
/**
 * The findings of runs made without the gate evidence (status, audit-pack) are kept apart from those
 * of `validate`: their key differs, so one file would be a miss for each every time the other ran.
 */
export const RESULT_FILE_WITHOUT_EVIDENCE = 'validate-result-without-evidence.json';

/**
 * The findings of the last whole run, reused when nothing they depend on changed: the same tool and
 * configuration (the key), the same documents with the same stamps (not racy), and the same answers
 * to every existence check the repository rules made. Cross-file rules are functions of exactly
 * these, so the reused findings are what a full run would find. Anything else, or a damaged file,
 * means a full run.
 */
export async function reusableFindings(
  root: string,
  name: string,
  key: string,
  files: readonly string[],
  stampOf: (file: string) => FileStamp | undefined,
  exists: (relativePath: string) => boolean,
): Promise<{ findings: RawFinding[]; shas: Map<string, string> } | undefined> {
  const target = path.join(root, CACHE_DIR, name);
  let saved: Partial<ResultFile>;
  let racyFrom: number;
  try {
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    saved = JSON.parse(text) as Partial<ResultFile>;
    racyFrom = info.mtimeMs - RACY_MS;
  } catch {
    return undefined;
  }
  if (saved.format !== RESULT_FORMAT || saved.key !== key || !Array.isArray(saved.files) || !Array.isArray(saved.findings)) return undefined;
  if (typeof saved.exists !== 'object' || saved.exists === null || saved.files.length !== files.length) return undefined;
  const shas = new Map<string, string>();
  for (let i = 0; i < files.length; i++) {
    const entry = saved.files[i];
    if (!Array.isArray(entry) || entry[0] !== files[i]) return undefined;
    const now = stampOf(files[i]!);
    if (!now || now.size !== entry[2] || now.mtimeMs !== entry[3] || now.ctimeMs !== entry[4] || now.ino !== entry[5]) return undefined;
    if (now.ctimeMs >= racyFrom || now.mtimeMs >= racyFrom) return undefined;
    shas.set(entry[0], entry[1]);
  }
  for (const [file, answer] of Object.entries(saved.exists)) {
    if (exists(file) !== answer) return undefined;
  }
  if (!saved.findings.every(isRawFinding)) return undefined;
  const facts = factsFileStamp(root);
  const known = saved.factsFile;
  if (!facts || !known || facts.size !== known.size || facts.mtimeMs !== known.mtimeMs || facts.ctimeMs !== known.ctimeMs || facts.ino !== known.ino) return undefined;
  return { findings: saved.findings, shas };
}

export async function saveFindings(root: string, name: string, key: string, files: StampedFile[], exists: Map<string, boolean>, findings: RawFinding[]): Promise<void> {
  try {
    await mkdir(path.join(root, CACHE_DIR), { recursive: true });
    const body: ResultFile = { format: RESULT_FORMAT, key, files, exists: Object.fromEntries(exists), findings, factsFile: factsFileStamp(root) ?? null };
    await writeAtomic(path.join(root, CACHE_DIR, name), JSON.stringify(body), CACHE_WRITE);
  } catch {
    // A read-only checkout still validates; it only runs in full next time.
  }
}

function factsFileStamp(root: string): FileStamp | undefined {
  return fileStamp(path.join(root, CACHE_DIR, CACHE_FILE));
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
