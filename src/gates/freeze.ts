import type { Env } from '../git/exec.js';
import { inputsNow } from '../git/freeze-drift.js';
import { storedContentHashes } from '../git/stored-content.js';
import type { FreezeFile } from '../model/documents.js';
import { NoInputMatchError, UsageError } from '../model/errors.js';
import { stableStringify } from '../config/config.js';
import { describeEscape, globEscape, pathEscape } from '../util/inside-root.js';

/**
 * Expands the input globs into sorted repository-relative files; a glob that matches nothing is a
 * NoInputMatchError. A glob, or a file it matches, that leaves the repository is a UsageError: a
 * freeze file records repository content only.
 */
export async function expandInputs(root: string, globs: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  // Loaded here, not with the module: validate imports this module and never expands globs.
  const { glob } = await import('tinyglobby');
  for (const pattern of globs) {
    const outside = globEscape(root, pattern);
    if (outside) throw outsideInput(pattern, describeEscape(outside));
    const matches = await glob([pattern], { cwd: root, onlyFiles: true, dot: true, followSymbolicLinks: false, ignore: ['.git/**', '**/node_modules/**'] });
    if (matches.length === 0) throw new NoInputMatchError(pattern);
    for (const match of matches) {
      const escape = pathEscape(root, match);
      if (escape) throw outsideInput(match, describeEscape(escape));
      files.add(match);
    }
  }
  return [...files].sort();
}

function outsideInput(input: string, problem: string): UsageError {
  return new UsageError(`Input \`${input}\` ${problem}, expected files inside the repository; nothing was written`, 'Freeze files of the repository: give paths relative to its root that do not leave it.');
}

/** The stored-content sha256 of each file (see `storedContentHashes`), by path in the given order. */
export async function hashInputs(root: string, env: Env, files: readonly string[]): Promise<Record<string, string>> {
  const hashes = await storedContentHashes(root, env, files);
  return Object.fromEntries(files.map((file) => [file, hashes.get(file)!]));
}

/** The freeze file's bytes: sorted keys, two-space indent, final newline (stable in diffs). */
export function renderFreeze(freeze: FreezeFile): string {
  return `${JSON.stringify(JSON.parse(stableStringify(freeze)), null, 2)}\n`;
}

export interface FreezeVerification {
  file: string;
  verified: boolean;
  changed: string[];
  missing: string[];
  /** Frozen inputs that leave the repository (never read); present only when there are some, which refuses the run. */
  outside?: string[];
}

/** Re-hashes every frozen input and names those that changed or disappeared. */
export async function verifyFreeze(root: string, env: Env, file: string, freeze: FreezeFile): Promise<FreezeVerification> {
  const { hashes, missing, outside } = await inputsNow(root, env, Object.keys(freeze.inputs));
  const unread = new Set([...missing, ...outside]);
  const changed = Object.keys(freeze.inputs).sort().filter((input) => !unread.has(input) && hashes.get(input) !== freeze.inputs[input]);
  return { file, verified: changed.length === 0 && missing.length === 0 && outside.length === 0, changed, missing, ...(outside.length > 0 ? { outside } : {}) };
}
