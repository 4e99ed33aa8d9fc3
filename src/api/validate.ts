import { statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../engine/config.js';
import { overlaySource } from '../engine/overlay-source.js';
import { workingTreeSource, type DocumentSource } from '../engine/source.js';
import { loadRepository } from '../engine/load-repository.js';
import type { Env } from '../git/exec.js';
import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { NotInGitRepositoryError, UsageError } from '../model/errors.js';
import type { Rule } from '../rules/types.js';
import { codeFingerprint } from '../util/version.js';
import { locate, type RootInput, type StagedocsRoot } from './root.js';

export interface ValidateRequest {
  /** The repository: a folder in it, or the root `resolveRoot` gave. */
  root: RootInput;
  /** The environment git runs with (`GIT_INDEX_FILE` is honoured with `staged`). */
  env: Env;
  /**
   * Repository-relative files or folders to report on. The whole repository is still read, so
   * cross-file rules see every document.
   */
  paths?: readonly string[];
  /** Validate the git index (what is being committed) instead of the working tree, as the pre-commit hook does. */
  staged?: boolean;
  /** `base..head`: check the history rules over that range of commits only (CI). */
  range?: string;
  /** Read and write the caches, kept in the git directory (default true; none outside git). */
  cache?: boolean;
  /** Worker threads for cold runs (default none; see docs/performance.md). */
  workers?: number;
  /**
   * Text to validate instead of what is on disk, by repository-relative path: an editor's unsaved
   * documents (a path not on disk yet is validated as a new document). Every other document is read
   * from the working tree, and the cross-file rules see both. The overlaid text is never written to
   * the cache. Not with `staged`.
   */
  overlay?: ReadonlyMap<string, string>;
}

/** What `stagedocs validate --format json` prints, plus what the caller may want to say besides. */
export interface ValidateReport {
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  /** Documents reported on. */
  fileCount: number;
  /** Documents in the repository (reported on or not); 0 means there is nothing to validate. */
  documentCount: number;
  /** Why a check was skipped (history rules in a shallow clone), for the caller to show. */
  notes: string[];
}

/**
 * Validates a repository: every document's frontmatter and sections, the cross-file rules, the gate
 * evidence, and the history rules (whole history, `range`, or the staged content with `staged`).
 * Returns the diagnostics `stagedocs validate` reports; throws `StagedocsError` (with an exit code)
 * only when validation cannot run at all (a bad configuration, not a git repository where one is needed).
 */
export async function validate(request: ValidateRequest): Promise<ValidateReport> {
  const { env } = request;
  const located = await locate(request.root, env, 'optional');
  const { root } = located;
  const useCache = request.cache ?? true;
  const { config, hash } = await loadConfig(root);
  if (request.overlay && request.staged) throw new UsageError('`overlay` cannot be combined with `staged`', 'Validate the index or the working tree with unsaved text, not both.');
  const reading = gitInputs(located, config, request, useCache);
  // Its failure is thrown where it is awaited, not as an unhandled rejection before that.
  reading.catch(() => undefined);
  // The staged content is the source itself; any other run reads the documents while git walks the history.
  const staged = request.staged ? await reading : undefined;
  const source = staged?.source ?? (request.overlay ? overlaySource(root, config, request.overlay) : workingTreeSource(root, config));
  const only = staged?.only ?? (request.paths && request.paths.length > 0 ? selectFiles(root, request.paths, await source.list()) : undefined);
  const { validation: result } = await loadRepository(root, {
    config: { config, hash },
    source,
    only,
    cache: useCache,
    extraRules: reading.then((git) => git.rules),
    // The hook checks what is being committed; evidence rules need the runs, which CI validates.
    evidence: request.staged ? 'none' : 'check',
    history: reading.then((git) => git.history),
    workers: request.workers,
    // Validate reports the findings: a run that reuses them builds no model unless a rule asks.
    buildModel: 'on-demand',
  });
  const git = await reading;
  return {
    diagnostics: result.diagnostics,
    errorCount: result.errorCount,
    warningCount: result.warningCount,
    fileCount: result.fileCount,
    documentCount: result.documentCount,
    notes: git.notes,
  };
}

export interface GitInputs {
  source?: DocumentSource;
  only?: Set<string>;
  rules: Rule[];
  notes: string[];
  /** HEAD's history, for the runs that count (none outside git or before the first commit). */
  history?: { commits: ReadonlySet<string>; head: string };
}

/**
 * The git side of validation: with `staged` the index as document source and the staged paths as
 * `only`; otherwise the history rules (whole history, or `range`). Loaded lazily so that a plain
 * validate outside git pays nothing.
 */
export async function gitInputs({ root, gitTop }: StagedocsRoot, config: Config, request: Pick<ValidateRequest, 'env' | 'staged' | 'range'>, useCache: boolean): Promise<GitInputs> {
  const { env } = request;
  // The index and a range are git's: outside git the clear "not inside a git repository" is the answer.
  if ((request.staged || request.range !== undefined) && gitTop === undefined) throw new NotInGitRepositoryError(root);
  if (request.staged) {
    const { stagedValidation } = await import('../git/staged-validation.js');
    return { ...(await stagedValidation(root, config, env)), notes: [] };
  }
  const [{ historyRules }, { runHistoryFacts }, { headCommit }] = await Promise.all([import('../git/history-validation.js'), import('../git/run-trust.js'), import('../git/repository.js')]);
  if (gitTop === undefined) {
    const history = await historyRules(root, config, env, request.range, useCache ? { toolVersion: codeFingerprint() } : undefined);
    return { rules: history.rules, notes: history.skipped ? [history.skipped] : [] };
  }
  // HEAD is asked for once: both the history rules and the runs' history are kept per HEAD (without
  // the caches each asks git as it needs).
  const asked = useCache ? headCommit(root, env) : undefined;
  const [history, facts] = await Promise.all([
    historyRules(root, config, env, request.range, useCache ? { toolVersion: codeFingerprint(), head: asked } : undefined),
    runHistoryFacts(root, config.paths.gate_results, env, { committed: false, cache: useCache, head: asked }),
  ]);
  // After the history rules, which have checked the range's refs and that the history is complete.
  const drift = await freezeDriftFor(root, config, env, request.range);
  // rev-list prints HEAD first.
  const head = facts.history && facts.history.size > 0 ? facts.history.values().next().value! : undefined;
  return { rules: [...history.rules, drift], notes: history.skipped ? [history.skipped] : [], history: facts.history && head ? { commits: facts.history, head } : facts.history ? { commits: facts.history, head: 'unborn' } : undefined };
}

/** The `freeze-drift` rule: the working tree's frozen inputs, and with a range each commit of it. */
async function freezeDriftFor(root: string, config: Config, env: ValidateRequest['env'], range: string | undefined): Promise<Rule> {
  const [{ freezeDriftRule }, { parseRange }, { resolveCommit }] = await Promise.all([import('../git/freeze-drift.js'), import('../git/history-validation.js'), import('../git/repository.js')]);
  if (range === undefined) return freezeDriftRule(root, config, env, undefined);
  const { base, head } = parseRange(range);
  return freezeDriftRule(root, config, env, { base: await resolveCommit(root, env, base, 'range-base'), head: await resolveCommit(root, env, head, 'range-head') });
}

/** The documents the given repository-relative paths name: files as given, folders by what they contain. */
function selectFiles(root: string, paths: readonly string[], documents: readonly string[]): Set<string> {
  const selected = new Set<string>();
  for (const relative of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path.join(root, relative)).isDirectory();
    } catch {
      throw new UsageError(`Path \`${relative}\` does not exist`, 'Check the spelling, or validate the whole repository.');
    }
    if (isDirectory) {
      const prefix = relative === '' ? '' : `${relative}/`;
      for (const file of documents) if (file.startsWith(prefix)) selected.add(file);
    } else if (documents.includes(relative)) {
      selected.add(relative);
    } else {
      throw new UsageError(
        `\`${relative}\` is not a stagedocs document`,
        'Documents are markdown files under the stages and decisions folders and *.freeze.json files under freeze (see stagedocs.config.yaml `paths`).',
      );
    }
  }
  return selected;
}
