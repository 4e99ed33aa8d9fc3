import { placeOf, pointerSegment } from '../model/documents.js';
import { describeDrift, driftOf, type FreezeDrift, type InputHashes } from '../model/freeze-guard.js';
import { freezeAt } from '../model/repository.js';
import { repositoryRule, type RepositoryRule, type RuleMeta } from './types.js';

export const freezeDriftMeta: RuleMeta = {
  id: 'freeze-drift',
  description: 'Every frozen input still has the sha256 its freeze file recorded: in the working tree, in the staged content (the hook), and in every commit of a range after the freeze was committed.',
  defaultSeverity: 'error',
};

/** What git found: the inputs' current hashes, and the commits of a range that changed a frozen input. */
export interface FreezeDriftFacts {
  current: InputHashes;
  /** Where `current` was read, for the message: `now` (the working tree, the default) or `in the index` (the hook). */
  currentAt?: string;
  commits: ReadonlyArray<{ commit: string; drift: FreezeDrift }>;
  /**
   * Whether an input of a freeze file the caller read (every freeze file the model can hold, and maybe
   * more) differs from `current`. False lets the rule leave the model alone when no commit drifted
   * either: a validate that reused its findings then never builds the model (a second at 50,000
   * stages). Unknown when absent: the rule reads the model.
   */
  drifted?: boolean;
}

/**
 * Reports each drift at the freeze file's entry for the input (the key in `inputs`), so that the
 * editor and the annotation point at the hash that no longer holds.
 */
export function freezeDrift(facts: FreezeDriftFacts): RepositoryRule {
  return repositoryRule(freezeDriftMeta, (repo, context) => {
    if (facts.drifted === false && facts.commits.length === 0) return;
    const place = (file: string, input: string) => {
      const freeze = freezeAt(repo, file);
      return freeze ? placeOf(freeze.doc, `/inputs/${pointerSegment(input)}`, 'key') : { line: 1, column: 1 };
    };
    for (const freeze of repo.freezes) {
      for (const drift of driftOf(freeze.doc.file, freeze.data, facts.current)) {
        context.report({
          file: drift.file,
          ...place(drift.file, drift.input),
          message: `Frozen input \`${drift.input}\` differs from its freeze (${describeDrift(drift, { at: facts.currentAt ?? 'now' })}), expected the frozen content`,
          hint: `Restore its frozen content (\`git log --diff-filter=A -- ${drift.file}\` names the commit that froze it; \`git checkout <that commit> -- ${drift.input}\`); a new scope needs a new decision note and a new freeze under a new stage.`,
        });
      }
    }
    for (const { commit, drift } of facts.commits) {
      context.report({
        file: drift.file,
        ...place(drift.file, drift.input),
        message: `Commit ${commit.slice(0, 12)} changed frozen input \`${drift.input}\` after the freeze was committed (${describeDrift(drift, { at: 'after the commit' })}), expected the frozen content`,
        hint: `Revert that change (\`git revert ${commit.slice(0, 12)}\` or restore the file); frozen inputs stay as frozen for every later stage of the phase.`,
      });
    }
  });
}
