import path from 'node:path';
import picomatch from 'picomatch';
import type { Config } from '../config/config.js';
import { documentGlobs, type DocumentSource } from '../engine/source.js';
import { readBlobs } from './blobs.js';
import { runGit, type Env } from './exec.js';

/** One entry of the index: a staged file. */
export interface IndexEntry {
  mode: string;
  blob: string;
  path: string;
}

/**
 * Every entry of the index (`GIT_INDEX_FILE` honoured), from one `git ls-files -s -z`. During a merge
 * conflict a path has several stages; the first one listed wins (the conflict blocks the commit anyway).
 */
export async function readIndex(root: string, env: Env): Promise<IndexEntry[]> {
  const output = (await runGit(root, ['ls-files', '--stage', '-z'], { env })).toString('utf8');
  const entries: IndexEntry[] = [];
  const seen = new Set<string>();
  for (const record of output.split('\0')) {
    if (record === '') continue;
    // `<mode> <blob> <stage>\t<path>`
    const tab = record.indexOf('\t');
    const [mode = '', blob = ''] = record.slice(0, tab).split(' ');
    const file = record.slice(tab + 1);
    if (seen.has(file)) continue;
    seen.add(file);
    entries.push({ mode, blob, path: file });
  }
  return entries;
}

/**
 * The documents as they will be after the commit: the staged blobs, not the working tree. Paths and
 * blob ids come from one `ls-files`; the engine finds most documents in its cache by blob id, and the
 * bytes of the others come from one `cat-file --batch` (the reads asked for in one turn are batched).
 */
export async function indexSource(root: string, config: Config, entries: readonly IndexEntry[], env: Env): Promise<DocumentSource> {
  const isDocument = picomatch(documentGlobs(config), { dot: false });
  // Regular files only: a symlink's blob is its target's name, and a gitlink (submodule) has no blob.
  const documents = entries
    .filter((entry) => (entry.mode === '100644' || entry.mode === '100755') && isDocument(entry.path) && !/^readme\.md$/i.test(path.posix.basename(entry.path)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const blobOf = new Map(documents.map((entry) => [entry.path, entry.blob]));
  const readBatched = batchedBlobReader(root, env);

  const present = new Set<string>();
  for (const entry of entries) {
    present.add(entry.path);
    for (let dir = path.posix.dirname(entry.path); dir !== '.' && !present.has(dir); dir = path.posix.dirname(dir)) present.add(dir);
  }
  return {
    async list() {
      return documents.map((entry) => entry.path);
    },
    async read(relativePath) {
      const blob = blobOf.get(relativePath);
      const found = blob === undefined ? undefined : await readBatched(blob);
      if (!found) throw new Error(`${relativePath} is not a staged document`);
      return found;
    },
    exists(relativePath) {
      return present.has(relativePath.replace(/\/+$/, ''));
    },
    blobId(relativePath) {
      return blobOf.get(relativePath);
    },
  };
}

/** Reads blobs by id; the ids asked for before the event loop turns go to one `cat-file` process. */
function batchedBlobReader(root: string, env: Env): (blob: string) => Promise<Buffer | undefined> {
  let batch: { ids: string[]; result: Promise<Map<string, Buffer>> } | undefined;
  return async (blob) => {
    if (!batch) {
      const ids: string[] = [];
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        batch = undefined;
        return readBlobs(root, ids, env);
      });
      batch = { ids, result };
    }
    batch.ids.push(blob);
    return (await batch.result).get(blob);
  };
}
