import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import { FACTS_DELTA_FILE, FACTS_FILE } from './cache-files.js';
import { isStrings, type ContractState } from '../model/contract-states.js';
import type { RawFinding } from './diagnostics.js';
import type { Position } from '../model/diagnostic.js';
import { KeptFiles, type KeptColumns } from './kept-files.js';
import type { ReadList } from './read-trace.js';
import { fileStamp, racyFrom, sameStamp, storedStamp, unchangedSince, type FileStamp, type StoredStamp } from './stamp.js';

/** How a source tells a file's bytes unchanged: by stamp (the working tree) or by git blob id (the index). */
export type WitnessOf = { kind: 'stamp'; of(file: string): FileStamp | undefined } | { kind: 'blob'; of(file: string): string | undefined };

interface ResultFile {
  format: typeof RESULT_FORMAT;
  key: string;
  /** The part of `key` that keys the facts cache (the code and the configuration): the digests depend on it alone. */
  factsKey: string;
  /** Whether the files' witnesses are stamps or blob ids (`WitnessOf`). */
  witnesses: WitnessOf['kind'];
  /** The files in the order of the listing, with their content hashes, witnesses, read lists and digests (kept-files.ts). */
  files: KeptColumns;
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
  /**
   * What the protected-path check reads of each stage and phase document, by its index in `files`:
   * kept for the index (the hook), whose check then needs no model; absent for the working tree.
   */
  contractStates?: StoredContractState[];
  /**
   * The facts cache written in the same run (its facts file and delta file): a reused run of the
   * working tree builds its model from exactly those. Null for the index, which never writes the
   * facts cache: its model, when a rule asks for it, is built from the facts by content hash or not
   * at all (a full run then).
   */
  factsFile: StoredStamp | null;
  factsDelta: StoredStamp | null;
}

const RESULT_FORMAT = 'stagedocs-validate-result/6';

/** The last run's result, checked sound and for these documents; `suspects` are the files whose stamps no longer vouch for their bytes. */
export interface SavedResult {
  /** The files, their witnesses of the source's kind (`files.kind`). */
  files: KeptFiles;
  reads: ReadList[];
  exists: Record<string, boolean>;
  escapes: Record<string, string>;
  history: Record<string, boolean>;
  historyKey: string | null;
  documentFindings: Map<number, RawFinding[]>;
  findings: RawFinding[];
  /** The kept contract states by file index (the index's result only). */
  contractStates?: Map<number, ContractState>;
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
  if (!saved || saved.factsKey !== factsKey || !Array.isArray(saved.reads) || !saved.reads.every((list) => typeof list === 'string')) return known;
  const kept = KeptFiles.read(saved.files, saved.reads.length);
  if (!kept) return known;
  kept.paths().forEach((file, index) => known.set(file, { sha: kept.sha(index), reads: saved.reads![kept.reads(index)]!, digest: kept.digest(index) }));
  return known;
}

/**
 * The findings of the last run, when the tool, the configuration (the key), the documents, and the
 * answers to every existence, containment and history check the repository rules made are the same; a damaged
 * or foreign file, or another facts cache than the one written with it, gives undefined (a full run).
 * The files whose stamps changed or are racy, or whose blob ids changed, are the suspects: with none, the findings stand as
 * they are (cross-file rules are functions of exactly these); with some, they stand if those files'
 * bytes, or what the rules read of them, did not change (reuse.ts).
 */
export function savedResult(
  read: ResultFileRead | undefined,
  cacheDir: string,
  key: string,
  files: readonly string[],
  witnessOf: WitnessOf,
  exists: (relativePath: string) => boolean,
  escapeOf: (relativePath: string) => string,
  history: Pick<ReadonlySet<string>, 'has'> & { key: string | undefined },
): SavedResult | undefined {
  if (!read) return undefined;
  const { saved, racy } = read;
  if (saved.key !== key || saved.witnesses !== witnessOf.kind || !Array.isArray(saved.findings) || !Array.isArray(saved.documentFindings)) return undefined;
  if (!Array.isArray(saved.reads) || !saved.reads.every((list) => typeof list === 'string')) return undefined;
  if (typeof saved.exists !== 'object' || saved.exists === null || typeof saved.escapes !== 'object' || saved.escapes === null) return undefined;
  const kept = KeptFiles.read(saved.files, saved.reads.length, files);
  if (!kept || kept.kind !== witnessOf.kind) return undefined;
  const suspects: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const now = witnessOf.of(files[i]!);
    if (!now) return undefined;
    if (typeof now === 'string' ? !kept.hasBlob(i, now) : !unchangedSince(kept.witness(i), now, racy)) suspects.push(i);
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
  let contractStates: Map<number, ContractState> | undefined;
  if (witnessOf.kind === 'stamp') {
    // The facts files must be the ones written in the same run; written just before this file, they are never settled, so only their stamps are compared.
    const { facts, delta } = factsCacheStamps(cacheDir);
    if (!facts || !sameStamp(saved.factsFile, facts)) return undefined;
    if (delta ? !sameStamp(saved.factsDelta, delta) : saved.factsDelta !== null) return undefined;
  } else {
    if (!Array.isArray(saved.contractStates)) return undefined;
    contractStates = new Map();
    for (const entry of saved.contractStates as unknown[]) {
      const state = contractStateFrom(entry, files);
      if (!state) return undefined;
      contractStates.set(state[0], state[1]);
    }
  }
  return {
    files: kept,
    reads: saved.reads,
    exists: saved.exists,
    escapes: saved.escapes,
    history: saved.history,
    historyKey: saved.historyKey ?? null,
    documentFindings,
    findings: saved.findings,
    ...(contractStates ? { contractStates } : {}),
    suspects,
  };
}

/** What a run keeps for the next: see `ResultFile`. */
export type ResultToSave = Pick<SavedResult, 'files' | 'reads' | 'exists' | 'escapes' | 'history' | 'historyKey' | 'documentFindings' | 'findings' | 'contractStates'>;

export async function saveResult(cacheDir: string, name: string, key: string, factsKey: string, result: ResultToSave): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
    const { facts, delta } = result.files.kind === 'stamp' ? factsCacheStamps(cacheDir) : { facts: undefined, delta: undefined };
    const body: ResultFile = {
      format: RESULT_FORMAT,
      key,
      factsKey,
      witnesses: result.files.kind,
      files: result.files.columns(),
      reads: result.reads,
      exists: result.exists,
      escapes: result.escapes,
      history: result.history,
      historyKey: result.historyKey,
      documentFindings: [...result.documentFindings].filter(([, findings]) => findings.length > 0).sort(([a], [b]) => a - b),
      findings: result.findings,
      ...(result.contractStates ? { contractStates: [...result.contractStates].sort(([a], [b]) => a - b).map(([index, state]) => storedContractState(index, state)) } : {}),
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

/**
 * A contract state as the result file keeps it, its file given by index: `[index, 'stage', id,
 * status, phase or null]` or `[index, 'phase', id, status]`, followed, when the document has list
 * entries, by its lists (a stage's `protected`; a phase's `protected` and `agents.must_not_modify`),
 * the positions of their entries and the block's start. Most stages protect nothing, so most
 * states are five short values.
 */
type StoredContractState = [index: number, kind: 'stage' | 'phase', id: string, status: string, ...rest: unknown[]];

function storedContractState(index: number, { kind, state }: ContractState): StoredContractState {
  const lists = kind === 'stage' ? [state.protected] : [state.protected, state.mustNotModify];
  const places = lists.some((list) => list.length > 0) ? [...lists, state.doc.positions, state.doc.dataStart] : [];
  return kind === 'stage' ? [index, kind, state.id, state.status, state.phase ?? null, ...places] : [index, kind, state.id, state.status, ...places];
}

/** A kept contract state of a sound shape, made whole again; undefined for anything else. */
function contractStateFrom(value: unknown, files: readonly string[]): [number, ContractState] | undefined {
  if (!Array.isArray(value)) return undefined;
  const index = value[0] as unknown;
  const kind = value[1] as unknown;
  const id = value[2] as unknown;
  const status = value[3] as unknown;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= files.length || typeof id !== 'string' || typeof status !== 'string') return undefined;
  const phase = value[4] as unknown;
  if (kind === 'stage' && phase !== null && typeof phase !== 'string') return undefined;
  if (kind !== 'stage' && kind !== 'phase') return undefined;
  // Fifty thousand states are made on every run of the hook: the common one (no list entries) shares its empty parts.
  const listCount = kind === 'stage' ? 1 : 2;
  const from = kind === 'stage' ? 5 : 4;
  let lists: readonly (readonly string[])[] = kind === 'stage' ? NO_LISTS.slice(0, 1) : NO_LISTS;
  let doc: ContractState['state']['doc'] = { file: files[index]!, positions: NO_POSITIONS, dataStart: NO_PLACE };
  if (value.length !== from) {
    if (value.length !== from + listCount + 2) return undefined;
    const found = value.slice(from, from + listCount) as unknown[];
    const positions = value[from + listCount] as unknown;
    const dataStart = value[from + listCount + 1] as unknown;
    if (!found.every(isStrings) || !isPositions(positions) || !isPosition(dataStart)) return undefined;
    lists = found as string[][];
    doc = { file: doc.file, positions, dataStart };
  }
  if (kind === 'stage') return [index, { kind, state: { doc, id, ...(typeof phase === 'string' ? { phase } : {}), status, protected: lists[0]! } }];
  return [index, { kind, state: { doc, id, status, protected: lists[0]!, mustNotModify: lists[1]! } }];
}

/** The shared empty parts of a kept state without list entries (never written to). */
const NO_LISTS: readonly (readonly string[])[] = Object.freeze([Object.freeze([]), Object.freeze([])]);
const NO_POSITIONS: Record<string, Position> = Object.freeze({}) as Record<string, Position>;
const NO_PLACE: Position = Object.freeze({ line: 1, column: 1 });

function isPosition(value: unknown): value is Position {
  const place = value as Partial<Position> | null;
  return typeof place === 'object' && place !== null && Number.isInteger(place.line) && Number.isInteger(place.column);
}

function isPositions(value: unknown): value is Record<string, Position> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isPosition);
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
