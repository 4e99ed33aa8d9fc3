import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedDocument, Section } from '../model/documents.js';
import { EXIT_USAGE, StagedocsError } from '../model/errors.js';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import { DETAILS_FILE, FACTS_DELTA_FILE, FACTS_FILE, POSITIONS_FILE } from './cache-files.js';
import { EntriesFileWriter, isEntryRange, RangeReader, readMember, type EntryRange } from './entries-file.js';
import type { FileFacts } from './facts.js';
import { racyFrom, storedStamp, unchangedSince, type FileStamp, type StoredStamp } from './stamp.js';

/**
 * A document as the facts file keeps it: what the repository model reads. The body is kept as its
 * length; the body, the coerced values and the sections are in the details side file, the positions
 * in the positions side file.
 */
type StoredDocument = Omit<ParsedDocument, 'body' | 'positions' | 'sections' | 'coerced'> & { body: number };

type StoredFacts = Omit<FileFacts, 'doc'> & { doc: StoredDocument };

/**
 * One cached file: its content hash, its stamp when it was hashed (if the source has stamps), its git
 * blob id (the same bytes as git names them), its facts.
 */
interface CacheEntry<Facts = StoredFacts> {
  sha: string;
  stamp?: StoredStamp;
  blob?: string;
  facts: Facts;
  /** Where the file's members lie in the details and the positions side files. */
  side?: SideRanges;
}

/** An entry's member ranges in the two side files: details first, positions second. */
type SideRanges = [details: EntryRange, positions: EntryRange];

/** A document's side values as the details and positions side files hold them (section texts as ranges). */
interface InlineSide {
  details: unknown;
  positions: unknown;
}

/**
 * An entry of the delta file: what differs from the facts file it names. Its side values are in the
 * side files (`side`, an entry whose stamp changed but not its bytes) or inline (a changed document).
 */
type DeltaEntry = CacheEntry & { inline?: InlineSide };

/**
 * An entry in use in this run. One found unchanged in the loaded files also keeps what they hold for
 * it, so that `save` copies its members as they are: nothing of the side files is parsed or
 * serialised for files that did not change (issue 19: one edited document rewrote 25 MB). `asIs`:
 * found by its stamp or blob id in the facts file itself, so a delta file need not hold it.
 */
type NextEntry = CacheEntry<FileFacts> & { loaded?: { stored: StoredFacts; side: SideRanges } | { stored: StoredFacts; inline: InlineSide }; asIs?: true };

interface CacheFile {
  format: typeof CACHE_FORMAT;
  key: string;
  /** Names the side files written with this one: side files with another token are not used. */
  details: string;
  entries: Record<string, CacheEntry>;
}

/**
 * What the repository model never reads is kept in two side files, each read only when one of its
 * values is used, so that commands which only build the model (the hook, status) parse a much
 * smaller file: the body, the coerced values and the sections (their texts are ranges into the body),
 * read by document rules and reports (audit-pack), and the frontmatter positions, read only to place a
 * finding.
 */
interface Details {
  body: string;
  coerced?: ParsedDocument['coerced'];
  sections: Section[];
}

/**
 * The delta file: the entries that differ from those of the facts file whose token it names, and the
 * files that facts file holds but the repository no longer has. A run that changed a few entries
 * writes only this small file; the three large ones are rewritten once the delta would grow past
 * `deltaLimit` (issue 19: after editing one document, writing 28 MB was most of the run's extra time).
 */
interface DeltaFile {
  format: typeof DELTA_FORMAT;
  key: string;
  base: string;
  entries: Record<string, DeltaEntry>;
  dropped: string[];
}

const DELTA_FORMAT = 'stagedocs-validate-cache-delta/1';

/**
 * The most entries a delta file holds (changed plus dropped) before `save` rewrites the three files
 * instead: 1% of the entries, so that reading the delta stays a small part of reading the facts file.
 * Below 100 documents there is no delta: the three files are small, and rewriting them is cheap.
 */
function deltaLimit(entries: number): number {
  return Math.floor(entries / 100);
}

/** A side file: its token (the one its facts file names, first in it) and its values by file. */
interface SideFileBody {
  token: string;
  entries: Record<string, unknown>;
}

const CACHE_FORMAT = 'stagedocs-validate-cache/6';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The id git gives these bytes as a blob (SHA-1 object format): what `git ls-files -s` lists for a
 * staged file, so the pre-commit hook finds the facts of unchanged files without reading them. In a
 * SHA-256 repository the ids never match, which only means a miss.
 */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

/**
 * A content-addressed cache of per-file facts in the root's cache folder. Keyed by the code's fingerprint and the
 * configuration hash as a whole, and by each file's content hash, so it is never stale; cross-file
 * rules always rerun on the cached facts. A corrupt or foreign cache file is ignored and rebuilt.
 *
 * When the source gives file stamps, an unchanged stamp (size, mtime, ctime, inode) stands for the
 * content hash without reading the file, like git's index: any write changes ctime, which no user
 * tool can set back, and stamps too close to the cache's own write time are never trusted.
 */
export class FactsCache {
  /** The facts file's own entries, and its token. */
  private base: CacheFile['entries'] = {};
  /**
   * What the delta file changes of `base`: the entries it replaced or added, and the files it dropped
   * (`entryOf` reads through both). Laid over `base` rather than copied into it: copying 60,000
   * entries cost 75 ms of every run after an edit.
   */
  private readonly overlay = new Map<string, CacheEntry>();
  private readonly droppedByDelta = new Set<string>();
  /** How many entries `entryOf` knows. */
  private entryCount = 0;
  private token: string | undefined;
  /** The side values the delta file holds inline, by file. */
  private readonly inline = new Map<string, InlineSide>();
  /** Stamps of entries from the delta file are racy from its own write on. */
  private deltaRacyFrom = -Infinity;
  /** The entries in use in this run, with their facts whole: what `save` writes. */
  private readonly next = new Map<string, NextEntry>();
  /** Loaded facts made whole, by file: each is made once, however often it is asked for. */
  private readonly made = new Map<string, FileFacts>();
  /** Stamps whose ctime is at or after this may be racy. */
  private racyFrom = -Infinity;
  private changed = false;
  private details: SideFile | undefined;
  private positions: SideFile | undefined;

  private constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  /**
   * Opens the cache in `cacheDir` (the root's cache folder, `cacheDirOf`). Synchronous: one read of a
   * file of a few megabytes is faster on the main thread than in the chunks of an asynchronous read,
   * and nothing else waits meanwhile.
   */
  static open(cacheDir: string, key: string): FactsCache {
    const cache = new FactsCache(path.join(cacheDir, FACTS_FILE), key);
    try {
      cache.load(readFileSync(cache.file, 'utf8'), statSync(cache.file).mtimeMs);
    } catch {
      // Missing, unreadable or not JSON: start empty.
    }
    if (cache.token !== undefined) {
      try {
        const delta = path.join(cacheDir, FACTS_DELTA_FILE);
        cache.applyDelta(readFileSync(delta, 'utf8'), statSync(delta).mtimeMs);
      } catch {
        // None, unreadable or not JSON: the facts file alone.
      }
    }
    return cache;
  }

  /**
   * Puts the facts of a few changed files into the delta file of the facts file in `cacheDir`, without
   * reading the facts file (its token is in its first bytes): a run that reused the findings of all
   * other documents (reuse.ts) keeps the new facts for the model built from the cache. False, and
   * nothing written, when there is no sound facts file of this key or the delta would grow past
   * `deltaLimit` of `documentCount` documents: the caller then validates in full.
   */
  static async amend(cacheDir: string, key: string, changes: ReadonlyArray<{ file: string; sha: string; facts: FileFacts; stamp: FileStamp | undefined; blob: string }>, documentCount: number): Promise<boolean> {
    const token = factsFileToken(path.join(cacheDir, FACTS_FILE), key);
    if (token === undefined) return false;
    const deltaFile = path.join(cacheDir, FACTS_DELTA_FILE);
    let delta: DeltaFile = { format: DELTA_FORMAT, key, base: token, entries: {}, dropped: [] };
    try {
      const parsed = JSON.parse(readFileSync(deltaFile, 'utf8')) as Partial<DeltaFile>;
      if (parsed.format === DELTA_FORMAT && parsed.key === key && parsed.base === token && isRecord(parsed.entries) && Array.isArray(parsed.dropped)) delta = parsed as DeltaFile;
    } catch {
      // None yet, or not ours: a new one.
    }
    for (const { file, sha, facts, stamp, blob } of changes) {
      let split: ReturnType<typeof splitDocument>;
      try {
        split = splitDocument(facts.doc);
      } catch {
        return false;
      }
      const entry: DeltaEntry = { sha, blob, facts: { ...facts, doc: split.stored }, inline: { details: split.details, positions: split.positions } };
      if (stamp) entry.stamp = storedStamp(stamp);
      delta.entries[file] = entry;
    }
    if (Object.keys(delta.entries).length + delta.dropped.length > deltaLimit(documentCount)) return false;
    try {
      await writeAtomic(deltaFile, JSON.stringify(delta), CACHE_WRITE);
      return true;
    } catch {
      return false;
    }
  }

  private load(text: string, writtenMs: number): void {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    if (parsed.format === CACHE_FORMAT && parsed.key === this.key && isRecord(parsed.entries) && typeof parsed.details === 'string' && this.openSideFiles(parsed.details)) {
      this.base = parsed.entries;
      this.entryCount = Object.keys(parsed.entries).length;
      this.token = parsed.details;
      this.racyFrom = racyFrom(writtenMs);
    }
  }

  /**
   * Applies a delta file written for this facts file (same key and token; any other is left alone,
   * so that a delta written against a facts file since replaced never applies to its successor).
   */
  private applyDelta(text: string, writtenMs: number): void {
    const parsed = JSON.parse(text) as Partial<DeltaFile>;
    if (parsed.format !== DELTA_FORMAT || parsed.key !== this.key || parsed.base !== this.token || !isRecord(parsed.entries) || !Array.isArray(parsed.dropped)) return;
    for (const file of parsed.dropped) {
      if (typeof file === 'string' && Object.hasOwn(this.base, file) && !this.droppedByDelta.has(file)) {
        this.droppedByDelta.add(file);
        this.entryCount--;
      }
    }
    for (const [file, entry] of Object.entries(parsed.entries as Record<string, unknown>)) {
      if (!isRecord(entry)) continue;
      const { inline, ...kept } = entry as unknown as DeltaEntry;
      // An entry the delta both drops and writes is the written one, as when it was applied in turn.
      if (!this.overlay.has(file) && (!Object.hasOwn(this.base, file) || this.droppedByDelta.has(file))) this.entryCount++;
      this.overlay.set(file, kept);
      if (isRecord(inline)) this.inline.set(file, inline);
    }
    this.deltaRacyFrom = racyFrom(writtenMs);
  }

  /** The loaded entry of a file: the delta file's, else the facts file's unless the delta dropped it. */
  private entryOf(file: string): CacheEntry | undefined {
    const replaced = this.overlay.get(file);
    if (replaced) return replaced;
    return Object.hasOwn(this.base, file) && !this.droppedByDelta.has(file) ? this.base[file] : undefined;
  }

  /** Whether a loaded entry is the facts file's own, not one the delta file replaced it with. */
  private inFactsFile(file: string, entry: CacheEntry): boolean {
    return this.base[file] === entry;
  }

  /** From when the stamps of an entry are racy: the write of the file that holds the entry. */
  private racyFromOf(file: string, entry: CacheEntry): number {
    return this.inFactsFile(file, entry) ? this.racyFrom : this.deltaRacyFrom;
  }

  /** Opens both side files named by `token`; false (and nothing kept open) unless both are the right ones. */
  private openSideFiles(token: string): boolean {
    const dir = path.dirname(this.file);
    const details = SideFile.open(path.join(dir, DETAILS_FILE), token);
    const positions = SideFile.open(path.join(dir, POSITIONS_FILE), token);
    if (!details || !positions) {
      details?.close();
      positions?.close();
      return false;
    }
    this.details = details;
    this.positions = positions;
    return true;
  }

  /**
   * The details of a cached file, section texts made whole. The token matched, so only a hand-edited
   * or broken file fails the checks: then the facts file is removed, so that the next run is a miss.
   */
  private detailsOf(file: string, bodyLength: number): Details {
    const found = this.inline.has(file) ? this.inline.get(file)!.details : this.details!.entry(file, this.sideRangesOf(file)?.[0]);
    if (!isDetails(found, bodyLength)) throw this.damaged(DETAILS_FILE);
    const { body } = found;
    const sections = found.sections.map((section): Section => {
      const range = section.text as unknown;
      return Array.isArray(range) ? { ...section, text: body.slice(range[0] as number, range[1] as number) } : section;
    });
    return { ...found, sections };
  }

  private positionsOf(file: string): ParsedDocument['positions'] {
    const found = this.inline.has(file) ? this.inline.get(file)!.positions : this.positions!.entry(file, this.sideRangesOf(file)?.[1]);
    if (!isRecord(found)) throw this.damaged(POSITIONS_FILE);
    return found;
  }

  /** The side file ranges the loaded facts file gives for a file, when they have the right shape. */
  private sideRangesOf(file: string): SideRanges | undefined {
    const side = this.entryOf(file)?.side as unknown;
    return Array.isArray(side) && side.length === 2 && isEntryRange(side[0]) && isEntryRange(side[1]) ? (side as SideRanges) : undefined;
  }

  /** What `save` needs to copy a loaded entry's side values as they are (side file members, or the delta file's inline values). */
  private loadedOf(file: string, entry: CacheEntry): NextEntry['loaded'] {
    const inline = this.inline.get(file);
    if (inline) return { stored: entry.facts, inline };
    const side = this.sideRangesOf(file);
    return side ? { stored: entry.facts, side } : undefined;
  }

  private damaged(name: string): Error {
    rmSync(this.file, { force: true });
    return new StagedocsError(
      `The validate cache in ${path.dirname(this.file)} was damaged (${name} does not hold what ${FACTS_FILE} says); it has been removed`,
      EXIT_USAGE,
      'Run the command again: the cache is rebuilt by the next `stagedocs validate`.',
    );
  }

  /** The content hash a file had when its facts were kept in this run. */
  shaOf(file: string): string | undefined {
    return this.next.get(file)?.sha;
  }

  /** The facts of a file whose stamp is the one it had when hashed, without reading it. */
  getByStamp(file: string, stamp: FileStamp): FileFacts | undefined {
    const entry = this.entryOf(file);
    if (!entry || !unchangedSince(entry.stamp, stamp, this.racyFromOf(file, entry))) return undefined;
    return this.reuse(file, entry);
  }

  /**
   * The facts of a file whose git blob id is the one its cached bytes have: a blob id names the bytes,
   * so no read is needed. The entry is kept as it was (its stamp still describes the working tree).
   */
  getByBlob(file: string, blob: string): FileFacts | undefined {
    const entry = this.entryOf(file);
    if (!entry || entry.blob !== blob) return undefined;
    return this.reuse(file, entry);
  }

  get(file: string, sha: string, stamp?: FileStamp): FileFacts | undefined {
    const entry = this.entryOf(file);
    if (entry?.sha !== sha) return undefined;
    const facts = this.whole(file, entry);
    // Same bytes, same blob id.
    if (facts) this.keep(file, sha, facts, stamp, typeof entry.blob === 'string' ? entry.blob : undefined, this.loadedOf(file, entry));
    return facts;
  }

  /** A loaded entry kept as it is (stamp and blob id still true), its facts whole. */
  private reuse(file: string, entry: CacheEntry): FileFacts | undefined {
    const facts = this.whole(file, entry);
    if (facts) {
      const kept: NextEntry = { sha: entry.sha, facts };
      if (entry.stamp !== undefined) kept.stamp = entry.stamp;
      if (entry.blob !== undefined) kept.blob = entry.blob;
      const loaded = this.loadedOf(file, entry);
      if (loaded) kept.loaded = loaded;
      if (this.inFactsFile(file, entry)) kept.asIs = true;
      this.next.set(file, kept);
    }
    return facts;
  }

  /**
   * The facts of a loaded entry of a sound shape, made whole (see `CachedDocument`), once per file.
   */
  private whole(file: string, entry: CacheEntry): FileFacts | undefined {
    const known = this.made.get(file);
    if (known) return known;
    const facts = entry.facts as unknown;
    if (!isStoredFacts(facts)) return undefined;
    const made: FileFacts = { doc: new CachedDocument(facts.doc, this.sideValues), problems: facts.problems, findings: facts.findings };
    this.made.set(file, made);
    return made;
  }

  private readonly sideValues: SideValues = {
    details: (file, bodyLength) => this.detailsOf(file, bodyLength),
    positions: (file) => this.positionsOf(file),
  };

  set(file: string, sha: string, facts: FileFacts, stamp: FileStamp | undefined, blob: string): void {
    this.keep(file, sha, facts, stamp, blob);
  }

  private keep(file: string, sha: string, facts: FileFacts, stamp: FileStamp | undefined, blob: string | undefined, loaded?: NextEntry['loaded']): void {
    const entry: NextEntry = { sha, facts };
    if (stamp) entry.stamp = storedStamp(stamp);
    if (blob) entry.blob = blob;
    if (loaded) entry.loaded = loaded;
    this.next.set(file, entry);
    this.changed = true;
  }

  /**
   * Writes the entries used in this run (dropping deleted files), atomically, unless every file was
   * found by its stamp and none was deleted: as a delta file when few differ from the facts file,
   * else as the three files. A failure only loses the cache. An entry whose side file values turn out
   * damaged is left out (and no longer known to `shaOf`): its file is parsed again next time.
   */
  async save(): Promise<void> {
    const dropped = this.entryCount !== this.next.size;
    if (!this.changed && !dropped) return;
    const dir = path.dirname(this.file);
    try {
      await mkdir(dir, { recursive: true });
      if (!(await this.saveDelta(dir))) this.saveWhole(dir);
    } catch {
      // A read-only checkout still validates; it only runs cold next time.
    }
  }

  /**
   * Writes the delta file against the loaded facts file, when that is sound and at most `deltaLimit`
   * entries differ from it; false (nothing written) otherwise. Concurrent writers each write a whole
   * delta of the same facts file: the last rename wins, and the other's entries are at worst a miss.
   */
  private async saveDelta(dir: string): Promise<boolean> {
    if (this.token === undefined) return false;
    const dropped = Object.keys(this.base).filter((file) => !this.next.has(file));
    const changed = [...this.next].filter(([, entry]) => !entry.asIs);
    if (changed.length + dropped.length > deltaLimit(this.next.size)) return false;
    const entries: Record<string, DeltaEntry> = {};
    for (const [file, entry] of changed) {
      const { loaded, facts: whole, asIs: _asIs, ...kept } = entry;
      if (loaded && 'side' in loaded) {
        entries[file] = { ...kept, facts: loaded.stored, side: loaded.side };
      } else if (loaded) {
        entries[file] = { ...kept, facts: loaded.stored, inline: loaded.inline };
      } else {
        const split = this.split(file, whole);
        if (split) entries[file] = { ...kept, facts: { ...whole, doc: split.stored }, inline: { details: split.details, positions: split.positions } };
      }
    }
    const body: DeltaFile = { format: DELTA_FORMAT, key: this.key, base: this.token, entries, dropped };
    await writeAtomic(path.join(dir, FACTS_DELTA_FILE), JSON.stringify(body), CACHE_WRITE);
    return true;
  }

  /** Rewrites the facts file and both side files with every entry in use, and removes the delta file. */
  private saveWhole(dir: string): void {
    // A fresh token ties the three files together; the side files go first, so a facts file never
    // names side files that are not there yet (concurrent writers at worst leave a mismatch: a miss).
    const token = randomBytes(16).toString('hex');
    const files: EntriesFileWriter[] = [];
    try {
      const open = (file: string, head: Record<string, unknown>) => {
        const writer = new EntriesFileWriter(file, head);
        files.push(writer);
        return writer;
      };
      const details = open(path.join(dir, DETAILS_FILE), { token } satisfies Omit<SideFileBody, 'entries'>);
      const positions = open(path.join(dir, POSITIONS_FILE), { token } satisfies Omit<SideFileBody, 'entries'>);
      const facts = open(this.file, { format: CACHE_FORMAT, key: this.key, details: token } satisfies Omit<CacheFile, 'entries'>);
      for (const [file, entry] of this.next) {
        const { loaded, facts: whole, asIs: _asIs, ...kept } = entry;
        if (loaded && 'inline' in loaded) {
          const side: SideRanges = [details.add(file, loaded.inline.details), positions.add(file, loaded.inline.positions)];
          facts.add(file, { ...kept, facts: loaded.stored, side } satisfies CacheEntry);
          continue;
        }
        // An unchanged entry: its side file members copied as they are, when they are still there.
        const copied = loaded && this.details!.member(file, loaded.side[0]);
        const copiedPositions = copied && this.positions!.member(file, loaded.side[1]);
        if (loaded && copied && copiedPositions) {
          const side: SideRanges = [details.addMember(copied), positions.addMember(copiedPositions)];
          facts.add(file, { ...kept, facts: loaded.stored, side } satisfies CacheEntry);
          continue;
        }
        const split = this.split(file, whole);
        if (!split) continue;
        const side: SideRanges = [details.add(file, split.details), positions.add(file, split.positions)];
        facts.add(file, { ...kept, facts: { ...whole, doc: split.stored }, side } satisfies CacheEntry);
      }
      details.commit();
      positions.commit();
      // The delta file names the replaced facts file's token, so it would never apply again; it goes
      // before the new facts file is in place, so that no reader pays for reading it.
      rmSync(path.join(dir, FACTS_DELTA_FILE), { force: true });
      facts.commit();
    } finally {
      for (const file of files) file.abort();
    }
  }

  /** A document split for the files (`splitDocument`); undefined, and the entry dropped, when its side values are damaged. */
  private split(file: string, whole: FileFacts): ReturnType<typeof splitDocument> | undefined {
    try {
      return splitDocument(whole.doc);
    } catch {
      this.next.delete(file);
      return undefined;
    }
  }
}

/**
 * The token of a facts file of this key, read from its head (`format`, `key` and `details` come before
 * `entries`, as `EntriesFileWriter` writes them); undefined when it is missing or not such a file.
 */
function factsFileToken(file: string, key: string): string | undefined {
  let head: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const bytes = Buffer.alloc(64 * 1024);
      head = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const end = head.indexOf(',"entries":{');
  if (end === -1) return undefined;
  try {
    const parsed = JSON.parse(`${head.slice(0, end)}}`) as Partial<CacheFile>;
    return parsed.format === CACHE_FORMAT && parsed.key === key && typeof parsed.details === 'string' ? parsed.details : undefined;
  } catch {
    return undefined;
  }
}

/** How a cached document reads its values from the side files. */
interface SideValues {
  details(file: string, bodyLength: number): Details;
  positions(file: string): ParsedDocument['positions'];
}

/**
 * A document whose facts come from the cache. What the repository model reads is in its own fields;
 * the body, coerced values, sections and positions are getters that read the side files on first use,
 * so building the model, which reads none of them, never loads those files. The getters are on the
 * prototype (one small object per document, none of the thousands of closures or property
 * definitions a per-object scheme costs), so they are not own properties: code that copies a document
 * reads them by name, as `splitDocument` does, never with a spread.
 */
class CachedDocument implements ParsedDocument {
  readonly file: string;
  readonly kind: ParsedDocument['kind'];
  readonly data: ParsedDocument['data'];
  readonly dataStart: ParsedDocument['dataStart'];
  readonly links: ParsedDocument['links'];
  readonly bodyStartLine: number;
  readonly lineCount: number;
  readonly #bodyLength: number;
  readonly #side: SideValues;
  #details: Details | undefined;
  #positions: ParsedDocument['positions'] | undefined;

  constructor(stored: StoredDocument, side: SideValues) {
    this.file = stored.file;
    this.kind = stored.kind;
    this.data = stored.data;
    this.dataStart = stored.dataStart;
    this.links = stored.links;
    this.bodyStartLine = stored.bodyStartLine;
    this.lineCount = stored.lineCount;
    this.#bodyLength = stored.body;
    this.#side = side;
  }

  get body(): string {
    return this.details().body;
  }

  get coerced(): ParsedDocument['coerced'] {
    return this.details().coerced;
  }

  get sections(): Section[] {
    return this.details().sections;
  }

  get positions(): ParsedDocument['positions'] {
    return (this.#positions ??= this.#side.positions(this.file));
  }

  private details(): Details {
    return (this.#details ??= this.#side.details(this.file, this.#bodyLength));
  }
}

/**
 * A document split the way the three files keep it, every value read by name. A section's text is a
 * piece of the body (the top section's is nearly all of it), so it is kept as `[start, end]` into the
 * body when the body holds it: only a range checked to give the exact text is written; anything else
 * keeps the text itself. The document in use is never changed (copies are written).
 */
function splitDocument(doc: ParsedDocument): { stored: StoredDocument; details: Details; positions: ParsedDocument['positions'] } {
  const { body, coerced, sections, positions } = doc;
  const stored: StoredDocument = {
    file: doc.file,
    kind: doc.kind,
    data: doc.data,
    dataStart: doc.dataStart,
    links: doc.links,
    bodyStartLine: doc.bodyStartLine,
    lineCount: doc.lineCount,
    body: body.length,
  };
  const ranged = sections.map((section) => {
    if (typeof section.text !== 'string' || section.text === '') return section;
    const start = body.indexOf(section.text);
    return start === -1 ? section : { ...section, text: [start, start + section.text.length] as unknown as string };
  });
  return { stored, details: { body, coerced, sections: ranged }, positions };
}
/** Closes the descriptor of a side file nobody can read any more (the process may run on: the language server). */
const sideFileCloser = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
});

/**
 * A side file of the facts cache, opened with it and held open (so a later rewrite, which replaces the
 * file, cannot swap it), its token checked without parsing it. Each value is read on its own, from
 * the byte range the facts file gives for it: a command that reads a few documents' sections (an
 * audit pack of a pull request) reads a few entries, not the whole file (140 MB at 50,000 stages).
 */
class SideFile {
  private readonly reader: RangeReader;

  private constructor(private readonly fd: number) {
    this.reader = new RangeReader(fd);
  }

  static open(file: string, token: string): SideFile | undefined {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return undefined;
    }
    const head = Buffer.alloc(100);
    const read = readSync(fd, head, 0, head.length, 0);
    if (/^[0-9a-f]{32}$/.test(token) && head.subarray(0, read).toString('utf8').startsWith(`{"token":"${token}"`)) {
      const side = new SideFile(fd);
      sideFileCloser.register(side, fd, side);
      return side;
    }
    closeSync(fd);
    return undefined;
  }

  /** The value of `file`'s member at `range`, parsed; undefined when it is not there or not JSON. */
  entry(file: string, range: EntryRange | undefined): unknown {
    const found = range && readMember(this.reader, file, range);
    if (!found) return undefined;
    try {
      return JSON.parse(found.value) as unknown;
    } catch {
      return undefined;
    }
  }

  /**
   * The text of `file`'s member at `range`, to be copied as it is; undefined unless it is there and
   * its value is delimited as an object. It is not parsed: a member damaged inside stays damaged in
   * the copy, and the reader that parses it (`detailsOf`, `positionsOf`) treats it as damaged.
   */
  member(file: string, range: EntryRange): string | undefined {
    const found = readMember(this.reader, file, range, true);
    return found && found.value.startsWith('{') && found.value.endsWith('}') ? found.member : undefined;
  }

  close(): void {
    sideFileCloser.unregister(this);
    closeSync(this.fd);
  }
}

/** A section text as the details file may hold it: the text, or a range that lies inside the body. */
function isSectionText(text: unknown, bodyLength: number): boolean {
  if (typeof text === 'string') return true;
  if (!Array.isArray(text) || text.length !== 2) return false;
  const [start, end] = text as unknown[];
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 && (end as number) >= (start as number) && (end as number) <= bodyLength;
}

function isRecord(value: unknown): value is Record<string, never> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The shape of a details entry whose body has the length the facts file holds. */
function isDetails(value: unknown, bodyLength: number): value is Details {
  if (!isRecord(value)) return false;
  const details = value as Partial<Details>;
  return (
    typeof details.body === 'string' &&
    details.body.length === bodyLength &&
    (details.coerced === undefined || isRecord(details.coerced)) &&
    Array.isArray(details.sections) &&
    details.sections.every((section) => isRecord(section) && Array.isArray((section as Section).items) && isSectionText((section as Section).text, bodyLength))
  );
}

/** The minimal shape check that keeps a damaged entry from crashing the rules: such entries are recomputed. */
function isStoredFacts(value: unknown): value is StoredFacts {
  if (!isRecord(value)) return false;
  const facts = value as Partial<StoredFacts>;
  const doc = facts.doc as Partial<ParsedDocument> | undefined;
  return (
    isRecord(doc) &&
    Array.isArray(facts.problems) &&
    Array.isArray(facts.findings) &&
    typeof doc.file === 'string' &&
    Number.isInteger(doc.body as unknown) &&
    (doc.body as unknown as number) >= 0 &&
    doc.positions === undefined &&
    doc.sections === undefined &&
    doc.coerced === undefined &&
    Array.isArray(doc.links)
  );
}
