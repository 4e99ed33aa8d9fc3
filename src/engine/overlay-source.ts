import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../model/config.js';
import { gitBlobId } from './facts-cache.js';
import { fileStamp, racyFrom, storedStamp, unchangedSince, type StoredStamp } from './stamp.js';
import { isDocumentPath, workingTreeSource, type DocumentSource } from './source.js';

/** Git blob ids of working tree files by absolute path, with the stamp they were computed at. */
const blobIds = new Map<string, { stamp: StoredStamp; racy: number; blob: string }>();

/**
 * The working tree with some documents replaced by text that is not on disk: an editor's unsaved
 * buffers (`overlay`: repository-relative path -> text; a path that is not on disk yet is added if
 * it is a document path). Cross-file rules see the overlaid text together with every other document.
 *
 * The source gives no file stamps, so the engine neither trusts nor writes its stamp-keyed caches for
 * this run: the overlaid text is never stored as the file's facts, and the last run's findings are
 * not reused. The other files are still found in the facts cache, by their git blob id; the id is
 * kept in memory by file stamp (unless the stamp is too recent to trust), so a long-lived process
 * such as the language server hashes a file again only when it changed.
 */
export function overlaySource(root: string, config: Config, overlay: ReadonlyMap<string, string>): DocumentSource {
  const base = workingTreeSource(root, config);
  const encoder = new TextEncoder();
  const bytes = new Map([...overlay].map(([file, text]) => [file, encoder.encode(text)]));
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  return {
    async list() {
      const files = new Set(await base.list());
      for (const file of overlay.keys()) if (isDocumentPath(file, config)) files.add(file);
      return [...files].sort();
    },
    async read(relativePath) {
      return bytes.get(relativePath) ?? base.read(relativePath);
    },
    exists(relativePath) {
      return bytes.has(relativePath) || base.exists(relativePath);
    },
    fileSystem() {
      return base.fileSystem!();
    },
    blobId(relativePath) {
      if (bytes.has(relativePath)) return undefined;
      // Called for every document on every run: one stat, and the one racy check every cache applies.
      const absolute = `${prefix}${relativePath}`;
      const stamp = fileStamp(absolute);
      if (!stamp) return undefined;
      const known = blobIds.get(absolute);
      if (known && unchangedSince(known.stamp, stamp, known.racy)) return known.blob;
      let blob: string;
      try {
        blob = gitBlobId(readFileSync(absolute));
      } catch {
        return undefined;
      }
      blobIds.set(absolute, { stamp: storedStamp(stamp), racy: racyFrom(Date.now()), blob });
      return blob;
    },
  };
}
