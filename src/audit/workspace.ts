import { type Config } from '../model/config.js';
import { loadConfig } from '../engine/config.js';
import { type RunFolder } from '../model/evidence.js';
import type { RepositoryModel } from '../model/repository.js';
import { workingTreeSource } from '../engine/source.js';
import { validateRepository } from '../engine/validate.js';
import { loadEvidenceCached } from '../gates/load-evidence.js';
import type { Env } from '../git/exec.js';
import { tagsUnder, type TagInfo } from '../git/tags.js';
import { signOffTagPrefix, type FileErrors } from './assess.js';

/** What status and audit packs read from the working tree: documents, their validation errors, gate runs. */
export interface Workspace {
  config: Config;
  model: RepositoryModel;
  runs: RunFolder[];
  errorsByFile: Map<string, FileErrors>;
}

/**
 * Reads the working tree through the validation engine, with its per-file cache in `.stagedocs/`
 * (git-ignored, shared with `validate`): on a warm cache unchanged documents are not parsed again.
 */
export async function loadWorkspace(root: string, toolVersion: string): Promise<Workspace> {
  const { config, hash } = await loadConfig(root);
  // The run folders as `validate` last read them when none changed since (the same evidence cache),
  // checked while the documents are: both wait mostly on the file system.
  const evidence = loadEvidenceCached(root, config.paths.gate_results, toolVersion);
  evidence.catch(() => undefined);
  const result = await validateRepository({ root, config, configHash: hash, toolVersion, source: workingTreeSource(root, config), useCache: true });
  const errorsByFile = new Map<string, FileErrors>();
  for (const diagnostic of result.diagnostics) {
    if (diagnostic.severity !== 'error') continue;
    const known = errorsByFile.get(diagnostic.file);
    if (known) known.count++;
    else errorsByFile.set(diagnostic.file, { count: 1, first: `${diagnostic.line}:${diagnostic.column} ${diagnostic.message}` });
  }
  const { runs } = await evidence;
  return { config, model: result.model, runs, errorsByFile };
}

/** The sign-off tags, from one `git for-each-ref`; none when there is no git repository. */
export async function signOffTags(root: string, config: Config, env: Env): Promise<TagInfo[]> {
  return tagsUnder(root, signOffTagPrefix(config), env);
}
