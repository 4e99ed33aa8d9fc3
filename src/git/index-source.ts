import { type Config } from '../model/config.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import { gitBlobId } from '../engine/facts-cache.js';
import { documentGlobs, type DocumentSource } from '../engine/source.js';
import { readBlobs } from './blobs.js';
import { runGit, type Env } from './exec.js';

// picomatch loads when the index is read (the hook), not by every validate that imports this module.
const require = createRequire(import.meta.url);

/** One entry of the index: a staged file. */
interface IndexEntry {
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
  let last = '';
  // Thousands of records in a large repository: read with indexOf, not split.
  for (let start = 0; start < output.length; ) {
    let end = output.indexOf('\0', start);
    if (end === -1) end = output.length;
    // `<mode> <blob> <stage>\t<path>`; the stages of a conflicted path are listed one after another.
    const tab = output.indexOf('\t', start);
    const space = output.indexOf(' ', start);
    const file = output.slice(tab + 1, end);
    if (tab !== -1 && tab < end && file !== last) {
      entries.push({ mode: output.slice(start, space), blob: output.slice(space + 1, output.indexOf(' ', space + 1)), path: file });
      last = file;
    }
    start = end + 1;
  }
  return entries;
}

/**
 * The documents as they will be after the commit: the staged blobs, not the working tree. Paths and
 * blob ids come from one `ls-files`; the engine finds most documents in its cache by blob id, and the
 * bytes of the others come from one `cat-file --batch` (the reads asked for in one turn are batched).
 * A staged file is usually the same in the working tree: its bytes are then read from there, and
 * used only when they hash to the staged blob id, so that no git process is needed at all.
 */
export async function indexSource(root: string, config: Config, entries: readonly IndexEntry[], env: Env): Promise<DocumentSource> {
  // Plain regular expressions: picomatch's matcher function builds a result object per call, which
  // costs tens of milliseconds over the ten thousand paths of a large index.
  const picomatch = require('picomatch') as typeof picomatchType;
  // Each glob's folder is tested first: most entries of a large index (gate evidence) are in none.
  const patterns = documentGlobs(config).map((glob) => {
    const folder = picomatch.scan(glob).base.replace(/\/+$/, '');
    return { prefix: folder === '' ? '' : `${folder}/`, pattern: picomatch.makeRe(glob, { dot: false }) };
  });
  const isDocument = (file: string) => patterns.some(({ prefix, pattern }) => file.startsWith(prefix) && pattern.test(file));
  // Regular files only: a symlink's blob is its target's name, and a gitlink (submodule) has no blob.
  const documents = entries.filter((entry) => (entry.mode === '100644' || entry.mode === '100755') && isDocument(entry.path) && !/^readme\.md$/i.test(path.posix.basename(entry.path)));
  // git lists the index sorted by bytes, which for most paths is already this order.
  if (!documents.every((entry, i) => i === 0 || documents[i - 1]!.path < entry.path)) documents.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const blobOf = new Map(documents.map((entry) => [entry.path, entry.blob]));
  const readBatched = batchedBlobReader(root, env);

  // Paths the rules ask about are mostly files (link targets); the folders are only listed on a miss.
  const files = new Set(entries.map((entry) => entry.path));
  let folders: Set<string> | undefined;
  const isFolder = (relativePath: string): boolean => {
    if (!folders) {
      folders = new Set<string>();
      for (const file of files) {
        for (let dir = path.posix.dirname(file); dir !== '.' && !folders.has(dir); dir = path.posix.dirname(dir)) folders.add(dir);
      }
    }
    return folders.has(relativePath);
  };
  return {
    async list() {
      return documents.map((entry) => entry.path);
    },
    async read(relativePath) {
      const blob = blobOf.get(relativePath);
      const found = blob === undefined ? undefined : (sameInWorkingTree(root, relativePath, blob) ?? (await readBatched(blob)));
      if (!found) throw new Error(`${relativePath} is not a staged document`);
      return found;
    },
    exists(relativePath) {
      const trimmed = relativePath.replace(/\/+$/, '');
      return files.has(trimmed) || isFolder(trimmed);
    },
    blobId(relativePath) {
      return blobOf.get(relativePath);
    },
  };
}

/** The working tree's bytes of a file when they are exactly the staged blob (the blob id is their hash). */
function sameInWorkingTree(root: string, relativePath: string, blob: string): Buffer | undefined {
  try {
    const bytes = readFileSync(path.join(root, relativePath));
    return gitBlobId(bytes) === blob ? bytes : undefined;
  } catch {
    return undefined;
  }
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
