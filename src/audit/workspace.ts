import { type Config } from '../model/config.js';
import type { LoadedRepository } from '../engine/load-repository.js';
import { type RegistryCheck, type RunFolder } from '../model/evidence.js';
import type { RepositoryModel } from '../model/repository.js';
import type { Env } from '../git/exec.js';
import { tagsUnder, type TagInfo } from '../git/tags.js';
import { frozenInputHashes } from '../git/freeze-drift.js';
import type { InputHashes } from '../model/freeze-guard.js';
import { signOffTagPrefix, type FileErrors } from './assess.js';

/** What status and audit packs read of a repository: documents, their validation errors, gate runs. */
interface Workspace {
  config: Config;
  model: RepositoryModel;
  runs: RunFolder[];
  /** The registry checked against the run folders: a run counts only with a matching row. */
  registry: RegistryCheck;
  errorsByFile: Map<string, FileErrors>;
}

/**
 * The audit's view of a repository loaded with its evidence read (`loadRepository(root, { evidence:
 * 'read' })`, with the caches shared with `validate`): each file's error count and first error.
 */
export function workspaceOf(repository: LoadedRepository<'read' | 'check'>): Workspace {
  const errorsByFile = new Map<string, FileErrors>();
  for (const diagnostic of repository.validation.diagnostics) {
    if (diagnostic.severity !== 'error') continue;
    const known = errorsByFile.get(diagnostic.file);
    if (known) known.count++;
    else errorsByFile.set(diagnostic.file, { count: 1, first: `${diagnostic.line}:${diagnostic.column} ${diagnostic.message}` });
  }
  return { config: repository.config, model: repository.model, runs: repository.evidence.runs, registry: repository.evidence.registry, errorsByFile };
}

/** The sign-off tags, from one `git for-each-ref`; none when there is no git repository. */
export async function signOffTags(root: string, config: Config, env: Env): Promise<TagInfo[]> {
  const stagePrefix = signOffTagPrefix(config);
  const phasePrefix = config.tags.phase_sign_off.split('{')[0] ?? '';
  // Phase tags judge phase entries and sign-offs; with the default formats both share one listing.
  if (phasePrefix.startsWith(stagePrefix)) return tagsUnder(root, stagePrefix, env);
  const [stages, phases] = await Promise.all([tagsUnder(root, stagePrefix, env), tagsUnder(root, phasePrefix, env)]);
  return [...new Map([...stages, ...phases].map((tag) => [tag.name, tag])).values()];
}

/** The frozen inputs' current hashes, for the assessment's `freeze` (left out when they cannot be hashed). */
export async function withInputHashes(root: string, env: Env, model: RepositoryModel): Promise<{ inputHashes?: InputHashes }> {
  if (model.freezes.length === 0) return {};
  const hashes = await frozenInputHashes(root, env, model.freezes);
  return hashes ? { inputHashes: hashes } : {};
}
