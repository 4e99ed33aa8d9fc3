import { type Config } from '../model/config.js';
import type { DocumentSource } from '../engine/source.js';
import { evidenceImmutable } from '../rules/evidence-immutable.js';
import { freezeImmutable } from '../rules/freeze-immutable.js';
import { precomputedRule } from '../rules/precomputed.js';
import { protectedPath } from '../rules/protected-path.js';
import { registryAppendOnly } from '../rules/registry-append-only.js';
import type { Rule } from '../rules/types.js';
import type { Env } from './exec.js';
import { stagedChanges } from './history.js';
import { indexSource, readIndex } from './index-source.js';
import { stagedFreezeDrift } from './freeze-drift.js';
import { contractsBefore } from './protected-history.js';
import { checkRecordIntegrity } from './record-integrity.js';

/** What `validate --staged` (and the pre-commit hook) hands to the engine. */
interface StagedValidation {
  /** The index: every document as it will be after the commit. */
  source: DocumentSource;
  /** The staged paths (added, changed or deleted): findings are reported on these only. */
  only: Set<string>;
  /** protected-path over the staged paths, freeze-drift over the staged frozen inputs, and the record-integrity rules over the staged changes. */
  rules: Rule[];
}

/**
 * Reads what is being committed: the index (`GIT_INDEX_FILE` honoured) and its difference from HEAD.
 * At most three git processes, whatever the number of documents (two more when a frozen input is staged); the working tree is read only where
 * it holds exactly the staged bytes (checked by blob id), and nothing is stashed. Works before the
 * first commit (`git diff --cached` then compares with nothing).
 */
export async function stagedValidation(root: string, config: Config, env: Env): Promise<StagedValidation> {
  const [entries, changes] = await Promise.all([readIndex(root, env), stagedChanges(root, env)]);
  const [source, integrity, before, drift] = await Promise.all([
    indexSource(root, config, entries, env),
    checkRecordIntegrity(root, config, [{ label: 'the staged changes', changes }], env),
    // The staged stage and phase documents as they are at HEAD: their patterns hold for this commit too.
    contractsBefore(root, config, changes, env),
    stagedFreezeDrift(root, config, entries, changes, env),
  ]);
  const stagedPaths = changes.map((change) => change.path);
  return {
    source,
    // A drifted input is reported at its freeze file's entry, which is usually not staged itself.
    only: new Set([...stagedPaths, ...drift.files]),
    rules: [protectedPath(stagedPaths, before), drift.rule, ...integrityRules(integrity)],
  };
}

/** The three record-integrity rules, reporting what `checkRecordIntegrity` found. */
export function integrityRules(findings: Parameters<typeof precomputedRule>[1]): Rule[] {
  return [freezeImmutable, evidenceImmutable, registryAppendOnly].map((meta) => precomputedRule(meta, findings));
}
