import type { LoadedConfig } from '../config/config.js';
import { loadEvidence } from '../evidence/load.js';
import type { Config } from '../model/config.js';
import type { RepositoryEvidence, RepositoryModel } from '../model/repository.js';
import type { Rule } from '../rules/types.js';
import { cacheDirOf } from '../util/cache-location.js';
import { loadConfig } from './config.js';
import { loadEvidenceCached } from './evidence-cache.js';
import { workingTreeSource, type DocumentSource } from './source.js';
import { validateRepository, type ValidationResult } from './validate.js';

/**
 * What of the gate evidence (the run folders under `gate_results/` and the registry checked against
 * them) a load reads:
 * - `'none'`: nothing; the evidence rules skip.
 * - `'read'`: read and returned, but the documents are validated without it, so the evidence rules
 *   skip (what `status` and `audit-pack` show: the runs, and the documents' own errors).
 * - `'check'`: read, returned, and given to the evidence rules (what `validate` checks).
 */
export type EvidenceMode = 'none' | 'read' | 'check';

export interface LoadRepositoryOptions<Evidence extends EvidenceMode = EvidenceMode> {
  /** The configuration as `loadConfig` returns it; read from the repository (`loadConfig(root)`) when left out. */
  config?: Pick<LoadedConfig, 'config' | 'hash'>;
  /** What of the gate evidence to read; default `'none'`. */
  evidence?: Evidence;
  /**
   * Use and update the caches (the facts cache, the last findings, the evidence cache); default true.
   * They live in the git directory (`cacheDirOf`: no commit can supply them; outside git there are
   * none) and are keyed by the code's fingerprint and the configuration, so they are never stale;
   * false reads and checks everything again and writes nothing (`validate --no-cache`).
   */
  cache?: boolean;
  /** Where the documents come from; default the working tree under `root`. */
  source?: DocumentSource;
  /** Report diagnostics only for these repository-relative files; every document is still read for the cross-file rules. */
  only?: ReadonlySet<string>;
  /**
   * Rules to run after the built-in ones (the git-fed history and index rules). With `history`, may
   * be a promise: the caller is still reading them from git (see `ValidateOptions.later`).
   */
  extraRules?: readonly Rule[] | Promise<readonly Rule[]>;
  /**
   * Every commit reachable from HEAD and HEAD itself (read by the caller, `git rev-list HEAD`): given
   * to the evidence rules with the evidence, so that they count runs as every command counts them.
   * May be a promise: a load without a cache parses the documents while git walks the history.
   */
  history?: History | Promise<History | undefined>;
  /** Worker threads that help parse the documents a cache does not know; default none (see `ValidateOptions.workers`). */
  workers?: number;
  /** When a run that reuses the last findings builds the model (see `ValidateOptions.buildModel`); default now. */
  buildModel?: 'now' | 'on-demand';
}

/** A repository as read by `loadRepository`. */
export interface LoadedRepository<Evidence extends EvidenceMode = EvidenceMode> {
  root: string;
  config: Config;
  /** Hash of the effective configuration. */
  configHash: string;
  /**
   * Every document, and the stages, phases, decisions and freezes whose frontmatter is valid. Built on
   * first read when the load reused the last run's findings.
   */
  readonly model: RepositoryModel;
  /** The diagnostics of every document (or of `only`), with their counts. */
  validation: ValidationResult;
  /** The gate evidence, when it was read (`evidence` not `'none'`). */
  evidence: Evidence extends 'none' ? undefined : RepositoryEvidence;
}

/** HEAD's history: every commit reachable from HEAD, and HEAD. */
type History = { commits: ReadonlySet<string>; head: string };

/** The evidence with HEAD's history beside it, its lazy parts left lazy. */
export function withHistory(evidence: RepositoryEvidence, history: History): RepositoryEvidence {
  return {
    fingerprint: evidence.fingerprint,
    history: history.commits,
    historyKey: history.head,
    get runs() {
      return evidence.runs;
    },
    get registry() {
      return evidence.registry;
    },
  };
}

/**
 * Reads a stagedocs repository: its configuration, every document (through the facts cache unless
 * `cache` is false), the validation diagnostics the model comes with, and the gate evidence when asked.
 * Never throws for bad document content (that is what the diagnostics say); throws `ConfigError` for
 * a bad configuration and `StagedocsError` for a damaged cache that cannot be rebuilt in place.
 *
 * ```ts
 * const repository = await loadRepository(root, { evidence: 'check' });
 * if (repository.validation.errorCount > 0) ...
 * for (const stage of repository.model.stages) ...
 * ```
 */
export async function loadRepository<Evidence extends EvidenceMode = 'none'>(root: string, options: LoadRepositoryOptions<Evidence> = {}): Promise<LoadedRepository<Evidence>> {
  const { config, hash } = options.config ?? (await loadConfig(root));
  const mode: EvidenceMode = options.evidence ?? 'none';
  const cacheDir = options.cache === false ? undefined : cacheDirOf(root);
  const loaded = mode === 'none' ? undefined : cacheDir !== undefined ? loadEvidenceCached(root, cacheDir, config.paths.gate_results) : loadEvidence(root, config.paths.gate_results);
  const { extraRules, history } = options;
  const evidence = loaded && history ? Promise.all([loaded, history]).then(([read, commits]) => (commits ? withHistory(read, commits) : read)) : loaded;
  // Read alongside the documents when the rules do not need it: both wait mostly on the file system.
  evidence?.catch(() => undefined);
  const checked = mode === 'check' ? evidence : undefined;
  // What git is still reading is handed on as a promise, for the parse to overlap with it.
  const inputs =
    extraRules instanceof Promise || history instanceof Promise
      ? { later: Promise.all([extraRules, checked, history]).then(([rules, read]) => ({ extraRules: rules, evidence: read })) }
      : { extraRules, evidence: await checked };
  const validation = await validateRepository({
    root,
    config,
    configHash: hash,
    source: options.source ?? workingTreeSource(root, config),
    only: options.only,
    cacheDir,
    ...inputs,
    workers: options.workers,
    ...(options.buildModel ? { buildModel: options.buildModel } : {}),
  });
  const read = await evidence;
  return {
    root,
    config,
    configHash: hash,
    get model() {
      return validation.model;
    },
    validation,
    evidence: read as LoadedRepository<Evidence>['evidence'],
  };
}
