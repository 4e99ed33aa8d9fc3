import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Finding } from '../model/diagnostic.js';
import type { ParsedDocument } from '../model/documents.js';
import type { ParseProblem } from '../parse/document.js';

/** What validation learns from one file alone: reusable while its bytes, the tool and the config stay the same. */
export interface FileFacts {
  doc: ParsedDocument;
  problems: ParseProblem[];
  /** Findings of document-scoped rules, by rule id. */
  findings: Array<Finding & { ruleId: string }>;
}

/** What the file system says about a file, as git's index keeps it: enough to know it did not change. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/**
 * One cached file: its content hash, its stamp when it was hashed (if the source has stamps), its git
 * blob id (the same bytes as git names them), its facts.
 */
interface CacheEntry {
  sha: string;
  stamp?: [size: number, mtimeMs: number, ctimeMs: number, ino: number];
  blob?: string;
  facts: FileFacts;
}

interface CacheFile {
  format: typeof CACHE_FORMAT;
  key: string;
  entries: Record<string, CacheEntry>;
}

const CACHE_FORMAT = 'stagedocs-validate-cache/3';
export const CACHE_DIR = '.stagedocs';
export const CACHE_FILE = 'validate-cache.json';
/**
 * A stamp taken less than this before the cache file was written is "racy" (as in git): the file may
 * have changed again within the file system's timestamp granularity, so its bytes are hashed again.
 */
export const RACY_MS = 2000;

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
 * A content-addressed cache of per-file facts in `.stagedocs/`. Keyed by the tool version and the
 * configuration hash as a whole, and by each file's content hash, so it is never stale; cross-file
 * rules always rerun on the cached facts. A corrupt or foreign cache file is ignored and rebuilt.
 *
 * When the source gives file stamps, an unchanged stamp (size, mtime, ctime, inode) stands for the
 * content hash without reading the file, like git's index: any write changes ctime, which no user
 * tool can set back, and stamps too close to the cache's own write time are never trusted.
 */
export class FactsCache {
  private entries: CacheFile['entries'] = {};
  private readonly next: CacheFile['entries'] = {};
  /** Stamps whose ctime is at or after this may be racy. */
  private racyFrom = -Infinity;
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  static async open(root: string, key: string): Promise<FactsCache> {
    const cache = new FactsCache(path.join(root, CACHE_DIR, CACHE_FILE), key);
    try {
      const [text, info] = await Promise.all([readFile(cache.file, 'utf8'), stat(cache.file)]);
      cache.load(text, info.mtimeMs);
    } catch {
      // Missing, unreadable or not JSON: start empty.
    }
    return cache;
  }

  /** The same, synchronously: for a repository model built lazily on first use. */
  static openSync(root: string, key: string): FactsCache {
    const cache = new FactsCache(path.join(root, CACHE_DIR, CACHE_FILE), key);
    try {
      cache.load(readFileSync(cache.file, 'utf8'), statSync(cache.file).mtimeMs);
    } catch {
      // Missing, unreadable or not JSON: start empty.
    }
    return cache;
  }

  private load(text: string, writtenMs: number): void {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    if (parsed.format === CACHE_FORMAT && parsed.key === this.key && isRecord(parsed.entries)) {
      this.entries = parsed.entries;
      this.racyFrom = writtenMs - RACY_MS;
    }
  }

  /** The content hash a file had when its facts were kept in this run. */
  shaOf(file: string): string | undefined {
    return this.next[file]?.sha;
  }

  /** The facts of a file whose stamp is the one it had when hashed, without reading it. */
  getByStamp(file: string, stamp: FileStamp): FileFacts | undefined {
    const entry = this.entries[file];
    const known = entry?.stamp;
    if (!entry || !Array.isArray(known) || !isFacts(entry.facts)) return undefined;
    if (known[0] !== stamp.size || known[1] !== stamp.mtimeMs || known[2] !== stamp.ctimeMs || known[3] !== stamp.ino) return undefined;
    if (stamp.ctimeMs >= this.racyFrom || stamp.mtimeMs >= this.racyFrom) return undefined;
    this.next[file] = entry;
    return expandSectionTexts(entry.facts);
  }

  /**
   * The facts of a file whose git blob id is the one its cached bytes have: a blob id names the bytes,
   * so no read is needed. The entry is kept as it was (its stamp still describes the working tree).
   */
  getByBlob(file: string, blob: string): FileFacts | undefined {
    const entry = this.entries[file];
    if (!entry || entry.blob !== blob || !isFacts(entry.facts)) return undefined;
    this.next[file] = entry;
    return expandSectionTexts(entry.facts);
  }

  get(file: string, sha: string, stamp?: FileStamp): FileFacts | undefined {
    const entry = this.entries[file];
    if (entry?.sha !== sha || !isFacts(entry.facts)) return undefined;
    // Same bytes, same blob id.
    this.keep(file, sha, expandSectionTexts(entry.facts), stamp, typeof entry.blob === 'string' ? entry.blob : undefined);
    return entry.facts;
  }

  set(file: string, sha: string, facts: FileFacts, stamp: FileStamp | undefined, blob: string): void {
    this.keep(file, sha, facts, stamp, blob);
  }

  private keep(file: string, sha: string, facts: FileFacts, stamp: FileStamp | undefined, blob: string | undefined): void {
    const entry: CacheEntry = { sha, facts };
    if (stamp) entry.stamp = [stamp.size, stamp.mtimeMs, stamp.ctimeMs, stamp.ino];
    if (blob) entry.blob = blob;
    this.next[file] = entry;
    this.changed = true;
  }

  /**
   * Writes the entries used in this run (dropping deleted files), atomically, unless every file was
   * found by its stamp and none was deleted. A failure only loses the cache.
   */
  async save(): Promise<void> {
    const dropped = Object.keys(this.entries).length !== Object.keys(this.next).length;
    if (!this.changed && !dropped) return;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      const entries = Object.fromEntries(Object.entries(this.next).map(([file, entry]) => [file, { ...entry, facts: withSectionRanges(entry.facts) }]));
      const body: CacheFile = { format: CACHE_FORMAT, key: this.key, entries };
      await writeFileAtomic(this.file, JSON.stringify(body));
    } catch {
      // A read-only checkout still validates; it only runs cold next time.
    }
  }
}

/**
 * A section's text is a piece of the document's body (the top section's is nearly all of it), so the
 * cache file keeps it as `[start, end]` into the body when the body holds it: the file is smaller and
 * faster to parse for every command that loads it. Only a range checked to give the exact text is
 * written; anything else keeps the text itself. The facts in use are never changed (copies are written).
 */
function withSectionRanges(facts: FileFacts): FileFacts {
  const { doc } = facts;
  if (typeof doc.body !== 'string') return facts;
  const sections = doc.sections.map((section) => {
    if (typeof section.text !== 'string' || section.text === '') return section;
    const start = doc.body.indexOf(section.text);
    return start === -1 ? section : { ...section, text: [start, start + section.text.length] as unknown as string };
  });
  return { ...facts, doc: { ...doc, sections } };
}

/** Puts back the texts `withSectionRanges` stored as ranges (checked by `isFacts`), in place, before the facts are used. */
function expandSectionTexts(facts: FileFacts): FileFacts {
  for (const section of facts.doc.sections) {
    const range = section.text as unknown;
    if (Array.isArray(range)) section.text = facts.doc.body.slice(range[0] as number, range[1] as number);
  }
  return facts;
}

/** A section text as the cache file may hold it: the text, or a range that lies inside the body. */
function isSectionText(text: unknown, body: unknown): boolean {
  if (typeof text === 'string') return true;
  if (!Array.isArray(text) || text.length !== 2 || typeof body !== 'string') return false;
  const [start, end] = text as unknown[];
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 && (end as number) >= (start as number) && (end as number) <= body.length;
}

function isRecord(value: unknown): value is Record<string, never> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The minimal shape check that keeps a damaged entry from crashing the rules: such entries are recomputed. */
function isFacts(value: unknown): value is FileFacts {
  if (!isRecord(value)) return false;
  const facts = value as Partial<FileFacts>;
  return (
    isRecord(facts.doc) &&
    Array.isArray(facts.problems) &&
    Array.isArray(facts.findings) &&
    typeof facts.doc.file === 'string' &&
    Array.isArray(facts.doc.sections) &&
    facts.doc.sections.every((section) => isRecord(section) && isSectionText((section as { text: unknown }).text, facts.doc!.body)) &&
    Array.isArray(facts.doc.links)
  );
}
