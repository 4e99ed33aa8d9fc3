import { loadConfig } from '../engine/config.js';
import type { Env } from '../git/exec.js';
import { configuredEmail } from '../git/repository.js';
import { UsageError } from '../model/errors.js';
import { planDecision } from '../scaffold/decision.js';
import { createFiles, withScaffoldLock } from '../scaffold/files.js';
import { locate, type RootInput } from './root.js';

export interface NewDecisionRequest {
  /** The repository: a folder in it, or the root `resolveRoot` gave. */
  root: RootInput;
  env: Env;
  title: string;
  stages?: readonly string[];
  supersedes?: string;
  /** The gate run whose failure this rerun answers (`gate_results/<run-id>/`): the note gets a Root cause section. */
  rerunOf?: string;
  /** Default: `git config user.email`. */
  owner?: string;
  /** The day of the note (its tag is `D-<date>-NNN`): injected, never read from the clock here. */
  date: Date;
  /** Plan only: write nothing. */
  dryRun?: boolean;
}

export interface NewDecisionResult {
  tag: string;
  /** Repository-relative path of the note. */
  file: string;
  content: string;
  written: boolean;
  next: string[];
}

/**
 * Scaffolds a decision note with the next free tag of its date, as `stagedocs new-decision` does;
 * never overwrites. Throws `UsageError` for an unknown stage or superseded tag, or without an owner.
 */
export async function newDecision(request: NewDecisionRequest): Promise<NewDecisionResult> {
  const { root } = await locate(request.root, request.env, 'optional');
  const { config } = await loadConfig(root);
  const owner = request.owner ?? (await configuredEmail(root, request.env));
  if (owner === '') throw new UsageError('No owner: git config user.email is not set', 'Pass an owner (`--owner you@example.com`), or run `git config user.email you@example.com`.');
  const plan = () => planDecision({ root, config, title: request.title, stages: request.stages ?? [], supersedes: request.supersedes, rerunOf: request.rerunOf, owner, date: request.date.toISOString().slice(0, 10) });
  // The tag is the day's next free number: chosen and written under the scaffolding lock, so that
  // concurrent callers (the CLI, an agent through the API) get distinct tags.
  const planned = request.dryRun ? await plan() : await withScaffoldLock(root, async () => {
    const result = await plan();
    await createFiles(root, [result.file]);
    return result;
  });
  return { tag: planned.tag, file: planned.file.path, content: planned.file.content, written: !request.dryRun, next: planned.next };
}
