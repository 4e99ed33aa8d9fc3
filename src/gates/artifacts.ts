import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS_DIR, type KeptArtifact } from '../model/evidence.js';
import { contentSha256 } from '../util/content-hash.js';
import { writeExclusive } from '../util/write-atomic.js';
import { matchFiles } from './stubs.js';

interface KeptArtifacts {
  kept: KeptArtifact[];
  /** Matches that were not copied, with the reason (a symbolic link, a path outside the repository). */
  refused: string[];
}

/**
 * Whether a repository-relative path stays inside the repository. A glob cannot reach outside the
 * root (tinyglobby matches under cwd), so this guards only against `..` segments in what it returns.
 * It is a plain `path.relative` check because the shared containment helper another change adds to
 * src/util (or src/model) is not on this branch yet; this function is the one to replace with it.
 */
function insideRepository(root: string, relative: string): boolean {
  const resolved = path.relative(root, path.resolve(root, relative));
  return resolved !== '' && !resolved.startsWith(`..${path.sep}`) && resolved !== '..' && !path.isAbsolute(resolved);
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
  for (const file of await matchFiles(root, globs, exclude)) {
    if (!insideRepository(root, file)) {
      refused.push(`${file}: outside the repository`);
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
