import { randomBytes } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../git/exec.js';
import { storedContentHasher } from '../git/stored-content.js';
import type { FreezeFile } from '../model/documents.js';
import { driftOf } from '../model/freeze-guard.js';
import { currentInputHashes } from '../git/freeze-drift.js';
import { NoInputMatchError } from '../model/errors.js';
import { stableStringify } from '../config/config.js';

/** Expands the input globs into sorted repository-relative files; a glob that matches nothing is a NoInputMatchError. */
export async function expandInputs(root: string, globs: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  // Loaded here, not with the module: validate imports this module and never expands globs.
  const { glob } = await import('tinyglobby');
  for (const pattern of globs) {
    const matches = await glob([pattern], { cwd: root, onlyFiles: true, dot: true, followSymbolicLinks: false, ignore: ['.git/**', '**/node_modules/**'] });
    if (matches.length === 0) throw new NoInputMatchError(pattern);
    for (const match of matches) files.add(match);
  }
  return [...files].sort();
}

/** The stored-content sha256 of each file (see `storedContentHasher`). */
export async function hashInputs(root: string, env: Env, files: readonly string[]): Promise<Record<string, string>> {
  const hash = storedContentHasher(root, env);
  const inputs: Record<string, string> = {};
  for (const file of files) inputs[file] = await hash(file);
  return inputs;
}

/** The freeze file's bytes: sorted keys, two-space indent, final newline (stable in diffs). */
export function renderFreeze(freeze: FreezeFile): string {
  return `${JSON.stringify(JSON.parse(stableStringify(freeze)), null, 2)}\n`;
}

/**
 * Writes a file that must not exist: the content goes to a temporary file first, then is hard-linked
 * to its name, which fails atomically when the name is taken. Never overwrites, never leaves half a file.
 */
export async function writeExclusive(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { flag: 'wx' });
  try {
    await link(temporary, file);
  } finally {
    await unlink(temporary);
  }
}

export interface FreezeVerification {
  file: string;
  verified: boolean;
  changed: string[];
  missing: string[];
}

/** Re-hashes every frozen input and names those that changed or disappeared. */
export async function verifyFreeze(root: string, env: Env, file: string, freeze: FreezeFile): Promise<FreezeVerification> {
  const drift = driftOf(file, freeze, await currentInputHashes(root, env, Object.keys(freeze.inputs)));
  const changed = drift.filter((entry) => entry.current !== null).map((entry) => entry.input);
  const missing = drift.filter((entry) => entry.current === null).map((entry) => entry.input);
  return { file, verified: drift.length === 0, changed, missing };
}
