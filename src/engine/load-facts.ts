import { type Config } from '../model/config.js';
import type { DocumentRule } from '../rules/types.js';
import type { FileFacts } from './facts.js';
import { contentHash, gitBlobId, type FactsCache } from './facts-cache.js';
import type { DocumentSource } from './source.js';
import type { FileStamp } from './stamp.js';
import { computeFacts } from './worker-pool.js';

/** The facts of every file, and each file's stamp when the cache is used and the source has stamps. */
interface LoadedFacts {
  facts: FileFacts[];
  stamps: Array<FileStamp | undefined>;
}

/**
 * The facts of every file, in the order of `files`. Most files are found in the facts cache by stamp
 * or blob id without reading them; only the others are read (in one turn, so that an index source
 * batches them into one git process), hashed and looked up by hash; what is still unknown is parsed
 * and checked by the document rules (with `workers` worker threads for a large batch) and put in the
 * cache. Without a cache, every file is read and parsed, and the places of its frontmatter are read
 * only when asked for (they are most of what the facts hold).
 */
export async function loadFacts(
  files: readonly string[],
  source: DocumentSource,
  cache: FactsCache | undefined,
  config: Config,
  documentRules: readonly DocumentRule[],
  workers: number,
): Promise<LoadedFacts> {
  const facts = new Array<FileFacts>(files.length);
  const stamps = new Array<FileStamp | undefined>(files.length);
  const unknown: number[] = [];
  files.forEach((file, index) => {
    const stamp = cache ? source.stamp?.(file) : undefined;
    stamps[index] = stamp;
    const blob = cache && !stamp ? source.blobId?.(file) : undefined;
    const unchanged = stamp ? cache?.getByStamp(file, stamp) : blob ? cache?.getByBlob(file, blob) : undefined;
    if (unchanged) facts[index] = unchanged;
    else unknown.push(index);
  });
  const pending: Array<{ index: number; file: string; bytes: Uint8Array; sha: string; stamp: FileStamp | undefined }> = [];
  await Promise.all(
    unknown.map(async (index) => {
      const file = files[index]!;
      const bytes = await source.read(file);
      const sha = contentHash(bytes);
      const cached = cache?.get(file, sha, stamps[index]);
      if (cached) facts[index] = cached;
      else pending.push({ index, file, bytes, sha, stamp: stamps[index] });
    }),
  );
  // Without a cache to put them in, a document's places are read only if a message needs one.
  const computed = await computeFacts(pending, config, documentRules, workers, cache ? 'now' : 'when-asked');
  pending.forEach((item, k) => {
    facts[item.index] = computed[k]!;
    cache?.set(item.file, item.sha, computed[k]!, item.stamp, gitBlobId(item.bytes));
  });
  return { facts, stamps };
}
