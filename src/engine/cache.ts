import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
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

interface CacheFile {
  format: typeof CACHE_FORMAT;
  key: string;
  entries: Record<string, { sha: string; facts: FileFacts }>;
}

const CACHE_FORMAT = 'stagedocs-validate-cache/1';
export const CACHE_DIR = '.stagedocs';
const CACHE_FILE = 'validate-cache.json';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A content-addressed cache of per-file facts in `.stagedocs/`. Keyed by the tool version and the
 * configuration hash as a whole, and by each file's content hash, so it is never stale; cross-file
 * rules always rerun on the cached facts. A corrupt or foreign cache file is ignored and rebuilt.
 */
export class FactsCache {
  private entries: CacheFile['entries'] = {};
  private readonly next: CacheFile['entries'] = {};

  private constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  static async open(root: string, key: string): Promise<FactsCache> {
    const cache = new FactsCache(path.join(root, CACHE_DIR, CACHE_FILE), key);
    try {
      const parsed = JSON.parse(await readFile(cache.file, 'utf8')) as Partial<CacheFile>;
      if (parsed.format === CACHE_FORMAT && parsed.key === key && parsed.entries && typeof parsed.entries === 'object') {
        cache.entries = parsed.entries;
      }
    } catch {
      // Missing or unreadable: start empty.
    }
    return cache;
  }

  get(file: string, sha: string): FileFacts | undefined {
    const entry = this.entries[file];
    if (entry?.sha !== sha || !entry.facts?.doc) return undefined;
    this.next[file] = entry;
    return entry.facts;
  }

  set(file: string, sha: string, facts: FileFacts): void {
    this.next[file] = { sha, facts };
  }

  /** Writes the entries used in this run (dropping deleted files), atomically; a failure only loses the cache. */
  async save(): Promise<void> {
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      const body: CacheFile = { format: CACHE_FORMAT, key: this.key, entries: this.next };
      await writeFileAtomic(this.file, JSON.stringify(body));
    } catch {
      // A read-only checkout still validates; it only runs cold next time.
    }
  }
}
