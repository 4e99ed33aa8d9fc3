import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import { placeOf, pointerSegment } from '../model/documents.js';
import { phaseProtectedEntries } from '../model/phase-contract.js';
import { repositoryRule, type RepositoryRule, type RuleMeta } from './types.js';

export const protectedPathMeta: RuleMeta = {
  id: 'protected-path',
  description: "A commit does not change a path that an open stage (status not `done`) declares `protected`, nor a started phase's `protected` path without a gate run's evidence of the phase.",
  defaultSeverity: 'error',
};

/**
 * Checks the staged paths against the `protected` globs of every open stage, as the stages will be
 * after the commit (so a commit that closes a stage may touch what it protected).
 */
const require = createRequire(import.meta.url);

export function protectedPath(stagedPaths: readonly string[]): RepositoryRule {
  return repositoryRule(protectedPathMeta, (repo, context) => {
    // Loaded when a commit is checked, not by every validate that imports the rules.
    const picomatch = require('picomatch') as typeof picomatchType;
    for (const { doc, data } of repo.stages) {
      if (data.status === 'done' || !data.protected) continue;
      data.protected.forEach((pattern, index) => {
        const matches = picomatch(pattern, { dot: true });
        for (const file of stagedPaths) {
          if (!matches(file)) continue;
          const place = placeOf(doc, `/protected/${pointerSegment(index)}`);
          context.report({
            file,
            line: 1,
            column: 1,
            message: `\`${file}\` is protected by stage ${data.id} (${doc.file}:${place.line}, pattern \`${pattern}\`, status ${data.status}); it may not change while the stage is open`,
            hint: `Unstage it (\`git restore --staged -- <path>\`), or close stage ${data.id} first; the protection ends when its status is \`done\`.`,
          });
        }
      });
    }
    // A phase's protected paths (model/phase-contract.ts): from its start, for its whole life and after.
    for (const entry of phaseProtectedEntries(repo)) {
      const matches = picomatch(entry.pattern, { dot: true });
      const { data, doc } = entry.phase;
      const withEvidence = stagedPaths.some((file) => entry.runPrefixes.some((prefix) => file.startsWith(prefix)));
      if (withEvidence) continue;
      for (const file of stagedPaths) {
        if (!matches(file)) continue;
        context.report({
          file,
          line: 1,
          column: 1,
          message: `\`${file}\` is protected by phase ${data.id} (${doc.file}:${entry.place.line}, pattern \`${entry.pattern}\`, status ${data.status}); it may change only together with the evidence of a gate run of the phase or one of its stages`,
          hint: `Unstage it (\`git restore --staged -- <path>\`); what phase ${data.id} protects is changed by its gate runs (\`stagedocs gate run <stage-id>\`, committed with their evidence).`,
        });
      }
    }
  });
}
