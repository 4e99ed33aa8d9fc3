import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS_DIR, type KeptArtifact } from '../model/evidence.js';
import { contentSha256 } from '../util/content-hash.js';
import { describeEscape, globEscape, pathEscapeChecker } from '../util/inside-root.js';
import { writeExclusive } from '../util/write-atomic.js';
import { matchFiles } from './stubs.js';

interface KeptArtifacts {
  kept: KeptArtifact[];
  /** Matches that were not copied, with the reason (a symbolic link, a path outside the repository). */
  refused: string[];
}

/**
 * Copies the files matching a gate's `artifacts` globs into `<run folder>/artifacts/<path>` after the
 * gate, each with its sha256: the next run may overwrite `results/*.json`, the copy stays. Symbolic
 * links are never copied (one could point at any file of the machine): the glob does not follow or
 * list them, and a file that became one after the glob is listed as refused.
 */
export async function keepArtifacts(root: string, runDir: string, globs: readonly string[], exclude: readonly string[]): Promise<KeptArtifacts> {
  const kept: KeptArtifact[] = [];
  const refused: string[] = [];
  // Containment is the one check of util/inside-root.ts: a glob that leaves the repository is not
  // expanded at all, and a match that resolves outside it (through a linked folder) is not read.
  const inside = globs.filter((glob) => {
    const escape = globEscape(root, glob);
    if (escape) refused.push(`${glob}: ${describeEscape(escape)}`);
    return !escape;
  });
  const escapeOf = pathEscapeChecker(root);
  for (const file of inside.length > 0 ? await matchFiles(root, inside, exclude) : []) {
    const escape = escapeOf(file);
    if (escape) {
      refused.push(`${file}: ${describeEscape(escape)}`);
      continue;
    }
    const source = path.join(root, file);
    let bytes: Buffer;
    try {
      if ((await lstat(source)).isSymbolicLink()) {
        refused.push(`${file}: a symbolic link`);
        continue;
      }
      bytes = await readFile(source);
    } catch (error) {
      // Gone or unreadable between the glob and the read: said, not fatal to the evidence.
      refused.push(`${file}: could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    await writeExclusive(path.join(runDir, ARTIFACTS_DIR, file), bytes);
    kept.push({ path: file, sha256: contentSha256(bytes), bytes: bytes.length });
  }
  return { kept, refused };
}
