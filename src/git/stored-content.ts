import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_FAILED, StagedocsError } from '../model/errors.js';
import { contentSha256 } from '../util/content-hash.js';
import { readBlobs } from './blobs.js';
import { runGit, type Env } from './exec.js';

/** Paths per git command line: far below every OS's argument limit. */
const PATHS_PER_CALL = 500;

interface IndexEntry {
  blob: string;
  /** The index blob holds CR LF (`i/crlf`, `i/mixed` of `git ls-files --eol`). */
  crlfInIndex: boolean;
  /** `.gitattributes` sets `text` (or an `eol`) for the path outright, not `text=auto`. */
  explicitText: boolean;
}

/**
 * The sha256 of what git stores for each file (repository-relative paths): the blob after the path's
 * clean filters and end-of-line conversion (`core.autocrlf`, `.gitattributes` `text`/`eol`, filter
 * drivers such as LFS). So the same content hashes the same on a checkout made with
 * `core.autocrlf=true`, `input` or `false`, or with `eol=crlf`, and a freeze made on Windows verifies
 * on Linux. Three git processes whatever the number of files:
 *
 * - a tracked file that git sees unmodified (`git diff-files`) is exactly its index blob;
 * - another file goes through `git hash-object --stdin-paths`, which applies the path's filters, except
 *   a tracked file whose index blob already holds CR LF under an automatic conversion (`core.autocrlf`,
 *   `text=auto`): git leaves its line ends alone there (a file committed with CRLF does not show as
 *   changed), and `hash-object` alone would not, since it does not look at the index;
 * - the stored blobs are read back with one `git cat-file --batch`.
 */
export async function storedContentHashes(root: string, env: Env, files: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  if (files.length === 0) return hashes;
  const index = new Map<string, IndexEntry>();
  const modified = new Set<string>();
  for (let start = 0; start < files.length; start += PATHS_PER_CALL) {
    const chunk = files.slice(start, start + PATHS_PER_CALL);
    for (const [file, entry] of parseIndexEntries(await runGit(root, ['--literal-pathspecs', 'ls-files', '--stage', '--eol', '-z', '--', ...chunk], { env }))) index.set(file, entry);
    for (const file of (await runGit(root, ['--literal-pathspecs', 'diff-files', '--relative', '--name-only', '--no-renames', '-z', '--', ...chunk], { env })).toString('utf8').split('\0')) {
      if (file !== '') modified.add(file);
    }
  }
  const blobOf = new Map<string, string>();
  const filtered: string[] = [];
  for (const file of files) {
    const entry = index.get(file);
    if (entry && !modified.has(file)) blobOf.set(file, entry.blob);
    else if (entry?.crlfInIndex && !entry.explicitText) hashes.set(file, contentSha256(await readFile(path.join(root, file))));
    else filtered.push(file);
  }
  if (filtered.length > 0) {
    const ids = (await runGit(root, ['hash-object', '-w', '--stdin-paths'], { env, input: `${filtered.join('\n')}\n` })).toString('utf8').split('\n');
    filtered.forEach((file, position) => blobOf.set(file, ids[position] ?? ''));
  }
  const blobs = await readBlobs(root, [...new Set(blobOf.values())].filter((id) => /^[0-9a-f]{40,64}$/.test(id)), env);
  for (const [file, id] of blobOf) {
    const bytes = blobs.get(id);
    if (!bytes) throw new StagedocsError(`git gave no stored content for ${file} (object \`${id.slice(0, 80)}\`), expected a blob`, EXIT_FAILED);
    hashes.set(file, contentSha256(bytes));
  }
  return hashes;
}

/** `git ls-files --stage --eol -z`: `<mode> <blob> <stage>\t<i/..> <w/..> <attr/..>\t<path>\0` per entry. */
function parseIndexEntries(output: Buffer): Array<[string, IndexEntry]> {
  const entries: Array<[string, IndexEntry]> = [];
  for (const record of output.toString('utf8').split('\0')) {
    const [stageInfo, eolInfo, file] = record.split('\t');
    if (stageInfo === undefined || eolInfo === undefined || file === undefined) continue;
    const [, blob = '', stage] = stageInfo.split(' ');
    // During a merge conflict the path has stages 1 to 3 and no single blob: it is hashed from the file.
    if (stage !== '0') continue;
    const fields = eolInfo.trim().split(/\s+/);
    const indexEol = fields.find((field) => field.startsWith('i/')) ?? '';
    const attributes = (eolInfo.slice(eolInfo.indexOf('attr/') + 'attr/'.length).trim().split(/\s+/)).filter((word) => word !== '');
    const explicitText = attributes.includes('text') || (attributes.some((word) => word.startsWith('eol=')) && !attributes.includes('text=auto') && !attributes.includes('-text'));
    entries.push([file, { blob, crlfInIndex: indexEol === 'i/crlf' || indexEol === 'i/mixed', explicitText }]);
  }
  return entries;
}
