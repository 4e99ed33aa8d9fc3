import { UsageError } from '../model/errors.js';
import { assertTitle } from '../scaffold/names.js';
import { createFiles, withScaffoldLock, type NewFile } from '../scaffold/files.js';
import type { CliIo } from './io.js';
import { ask, canAsk } from './prompt.js';

/**
 * Writes the planned files (or, with --dry-run, only shows them) and prints the paths and the next
 * command, so that a person or an agent always knows what happened and what to do next.
 */
export async function writePlan(io: CliIo, root: string, files: readonly NewFile[], dryRun: boolean | undefined, next: readonly string[]): Promise<void> {
  if (dryRun) {
    for (const file of files) io.stdout.write(`would write ${file.path}\n`);
    io.stdout.write('\n--dry-run: nothing was written.\n');
    for (const file of files) io.stdout.write(`\n--- ${file.path}\n${file.content}`);
    return;
  }
  await createFiles(root, files);
  for (const file of files) io.stdout.write(`wrote ${file.path}\n`);
  printNext(io, next);
}

/**
 * Runs a scaffolding command's plan-and-write under the repository's scaffolding lock (concurrent
 * commands then never take the same id), saying so on stderr when it broke a dead process's lock.
 */
export function scaffoldLocked<T>(io: CliIo, root: string, action: () => Promise<T>): Promise<T> {
  return withScaffoldLock(root, action, (message) => io.stderr.write(`warning ${message}\n`));
}

export function printNext(io: CliIo, next: readonly string[]): void {
  if (next.length === 0) return;
  io.stdout.write(`\nNext:\n${next.map((line) => `  ${line}`).join('\n')}\n`);
}

/** Refuses to plan a file that exists already: scaffolding never overwrites. */
export function assertAbsent(exists: (relativePath: string) => boolean, relativePath: string, hint: string): void {
  if (exists(relativePath)) throw new UsageError(`${relativePath} already exists`, hint);
}

/**
 * The owner of a new document: `--owner`, else `git config user.email`, else (on a terminal) the
 * answer to a question; a usage error naming `--owner` otherwise.
 */
export async function resolveOwner(io: CliIo, root: string, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return assertTitle(flag, 'owner');
  // Not set, or git is missing: '' and on to the question.
  const { configuredEmail } = await import('../git/repository.js');
  const email = await configuredEmail(root, io.env);
  if (email !== '') return assertTitle(email, 'owner');
  if (canAsk(io)) {
    const answer = await ask(io, 'Owner (e-mail):');
    if (answer !== '') return assertTitle(answer, 'owner');
  }
  throw new UsageError('Missing --owner: git config user.email is not set', 'Pass `--owner you@example.com`, or run `git config user.email you@example.com`.');
}
