import { loadConfig } from '../engine/config.js';
import { loadEvidenceCached } from '../engine/evidence-cache.js';
import { loadEvidence } from '../evidence/load.js';
import { cacheDirOf } from '../util/cache-location.js';
import { LiveFacts } from '../engine/live-facts.js';
import { withHistory } from '../engine/load-repository.js';
import { evidenceFingerprint } from '../engine/validate.js';
import type { Env } from '../git/exec.js';
import type { Config } from '../model/config.js';
import type { RepositoryEvidence } from '../model/repository.js';
import type { RepositoryRule } from '../rules/types.js';
import { locate, type RootInput, type StagedocsRoot } from './root.js';
import { gitInputs, type ValidateReport } from './validate.js';

/** What validation reads besides the documents: HEAD's history and its rules, and the gate evidence. */
interface RepositoryInputs {
  rules: RepositoryRule[];
  notes: string[];
  evidence: RepositoryEvidence;
  /** Changes whenever any of the above does. */
  key: string;
}

/**
 * `validate` for a long-lived process (the language server): the repository is read once and kept
 * in memory, each call validates the given unsaved texts against it, and `refresh` brings it up to
 * date with the disk. A call gives the report `validate({ root, env, overlay })` gives for the
 * repository as last refreshed: the same configuration, documents, history rules and evidence, and
 * the same rules over them (engine/live-facts.ts).
 */
export class ValidationSession {
  private constructor(
    private readonly located: StagedocsRoot,
    private readonly env: Env,
    private configHash: string,
    private configValue: Config,
    private live: LiveFacts,
    private inputs: RepositoryInputs,
  ) {}

  /** Reads the configuration, every document (through the facts cache) and the git and evidence inputs. Throws `ConfigError` for a bad configuration. */
  static async open(request: { root: RootInput; env: Env }): Promise<ValidationSession> {
    const located = await locate(request.root, request.env, 'optional');
    const { config, hash } = await loadConfig(located.root);
    const [live, inputs] = await Promise.all([LiveFacts.load({ root: located.root, config, configHash: hash }), readInputs(located, config, request.env)]);
    return new ValidationSession(located, request.env, hash, config, live, inputs);
  }

  get root(): string {
    return this.located.root;
  }

  /** The configuration the session validates with. */
  get config(): Config {
    return this.configValue;
  }

  /**
   * Re-reads what may have changed on disk: the configuration (a changed one reloads every document),
   * HEAD's history and the evidence, and the documents: all of them by stat, or only `files`
   * (repository-relative paths a file watcher reported). True when anything the diagnostics depend
   * on changed. Throws `ConfigError` when the configuration became invalid.
   */
  async refresh(files?: readonly string[]): Promise<boolean> {
    const { config, hash } = await loadConfig(this.root);
    if (hash !== this.configHash) {
      [this.live, this.inputs] = await Promise.all([LiveFacts.load({ root: this.root, config, configHash: hash }), readInputs(this.located, config, this.env)]);
      this.configHash = hash;
      this.configValue = config;
      return true;
    }
    const [changed, inputs] = await Promise.all([this.live.refresh(files), readInputs(this.located, config, this.env)]);
    const inputsChanged = inputs.key !== this.inputs.key;
    // Kept when unchanged: the evidence already parsed stays parsed.
    if (inputsChanged) this.inputs = inputs;
    return changed.length > 0 || inputsChanged;
  }

  /**
   * The diagnostics of the documents in `overlay` (repository-relative path to unsaved text), with
   * every other document as last refreshed from disk; the cross-file rules see both.
   */
  async validate(overlay: ReadonlyMap<string, string>): Promise<ValidateReport> {
    const { rules, notes, evidence } = this.inputs;
    const result = await this.live.validate({ overlay, only: new Set(overlay.keys()), extraRules: rules, evidence });
    return { diagnostics: result.diagnostics, errorCount: result.errorCount, warningCount: result.warningCount, fileCount: result.fileCount, documentCount: result.documentCount, notes };
  }
}

/** The gate evidence through the evidence cache, as `validate` reads it (outside git, where there is no cache folder, read whole). */
function evidenceOf(root: string, gateResultsDir: string): Promise<RepositoryEvidence> {
  const cacheDir = cacheDirOf(root);
  return cacheDir !== undefined ? loadEvidenceCached(root, cacheDir, gateResultsDir) : loadEvidence(root, gateResultsDir);
}

/** The git-fed rules and the evidence as `validate` reads them for the working tree. */
async function readInputs(located: StagedocsRoot, config: Config, env: Env): Promise<RepositoryInputs> {
  const [git, read] = await Promise.all([gitInputs(located, config, { env }, true), evidenceOf(located.root, config.paths.gate_results)]);
  const evidence = git.history ? withHistory(read, git.history) : read;
  const rules = git.rules.filter((rule): rule is RepositoryRule => rule.scope === 'repository');
  return { rules, notes: git.notes, evidence, key: JSON.stringify([evidenceFingerprint(evidence), git.notes]) };
}
